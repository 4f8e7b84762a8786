#!/usr/bin/env node
/** carpctl: the administrator's command for carpd (see src/cli). */
import { runCarpctl } from '../cli/run';

runCarpctl(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  interrupted: () => new Promise((resolve) => ['SIGINT', 'SIGTERM'].forEach((signal) => process.once(signal, () => resolve()))),
}).then(
  (status) => {
    process.exitCode = status;
  },
  (e: unknown) => {
    console.error('carpctl: internal error:', e);
    process.exitCode = 1;
  },
);
