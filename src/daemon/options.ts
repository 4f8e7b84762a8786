/**
 * carpd's command line: `carpd [--config DIR] [--socket PATH] [--log-level LEVEL]`. It runs in the
 * foreground (systemd supervises it). The socket also comes from CARPD_SOCKET, like carpctl's.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_DIR } from '../config/config-files';
import { LOG_LEVELS, type LogLevel } from './logger';

/** Where carpd keeps what a restarted carpd needs (state-journal.ts); gone at reboot. */
export const DEFAULT_RUNTIME_DIR = '/run/carpd';

export interface DaemonOptions {
  readonly configDir: string;
  /** The runtime directory; defaults to DEFAULT_RUNTIME_DIR. */
  readonly runtimeDir?: string;
  /** null: the shared default (CARPD_SOCKET, then /run/carpd.sock). */
  readonly socket: string | null;
  readonly logLevel: LogLevel;
}

export type ParsedCommandLine = { readonly kind: 'run'; readonly options: DaemonOptions } | { readonly kind: 'help' };

export const USAGE = `usage: carpd [--config DIR] [--socket PATH] [--runtime-dir DIR] [--log-level LEVEL]
  --config DIR       boot configuration: DIR/carpN.conf and DIR/sysctl.conf (default ${DEFAULT_CONFIG_DIR})
  --runtime-dir DIR  state kept for a restarted carpd (default ${DEFAULT_RUNTIME_DIR})
  --socket PATH      control socket, mode 0600 (default: $CARPD_SOCKET, else /run/carpd.sock)
  --log-level LEVEL  ${LOG_LEVELS.join('|')} (default info)`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string' },
        socket: { type: 'string' },
        'runtime-dir': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e: unknown) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const { values } = parsed;
  if (values.help) return { kind: 'help' };
  const logLevel = values['log-level'] ?? 'info';
  if (!isLogLevel(logLevel)) {
    throw new UsageError(`--log-level ${logLevel}: valid levels are ${LOG_LEVELS.join(', ')}`);
  }
  for (const [name, value] of [
    ['--config', values.config],
    ['--socket', values.socket],
    ['--runtime-dir', values['runtime-dir']],
  ] as const) {
    if (value === '') throw new UsageError(`${name} needs a path`);
  }
  return {
    kind: 'run',
    options: {
      configDir: values.config ?? DEFAULT_CONFIG_DIR,
      runtimeDir: values['runtime-dir'] ?? DEFAULT_RUNTIME_DIR,
      socket: values.socket ?? null,
      logLevel,
    },
  };
}

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
