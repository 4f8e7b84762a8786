#!/usr/bin/env node
/** carpctl: the administrator's command for carpd (see src/cli). */
import { runCarpctl } from '../cli/run';

/**
 * How `carpctl monitor` ends normally: ^C, SIGTERM, or the reader of its output going away
 * (`carpctl monitor | head -n 1`: EPIPE, as Node ignores SIGPIPE).
 */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
    process.stdout.once('error', () => resolve());
  });
}

runCarpctl(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  interrupted,
}).then(
  (status) => {
    process.exitCode = status;
  },
  (e: unknown) => {
    console.error('carpctl: internal error:', e);
    process.exitCode = 1;
  },
);
