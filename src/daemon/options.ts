/**
 * carpd's command line: `carpd [--config DIR] [--socket PATH] [--log-level LEVEL] ...`. It runs in
 * the foreground (systemd supervises it). The socket also comes from CARPD_SOCKET, like carpctl's.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_DIR } from '../config/config-files';
import { type ListenAddress, parseListenAddress } from './listen-address';
import { LOG_LEVELS, type LogLevel } from './logger';
import { DEFAULT_READY_TIMEOUT_MS } from './service-report';

/** Where carpd keeps what a restarted carpd needs (state-journal.ts); gone at reboot. */
export const DEFAULT_RUNTIME_DIR = '/run/carpd';

/** Where carpd keeps what must survive a reboot (maintenance-store.ts). */
export const DEFAULT_STATE_DIR = '/var/lib/carpd';

export interface DaemonOptions {
  readonly configDir: string;
  /** The runtime directory; defaults to DEFAULT_RUNTIME_DIR. */
  readonly runtimeDir?: string;
  /** The state directory; defaults to DEFAULT_STATE_DIR. */
  readonly stateDir?: string;
  /** null: the shared default (CARPD_SOCKET, then /run/carpd.sock). */
  readonly socket: string | null;
  readonly logLevel: LogLevel;
  /** The hooks run on state changes; defaults to hooksDirFor(configDir). */
  readonly hooksDir?: string;
  /** Where the metrics endpoint listens; absent or null: no endpoint. */
  readonly metrics?: ListenAddress | null;
  /** How long READY=1 waits for the boot configuration's interfaces (service-report.ts). */
  readonly readyTimeoutMs?: number;
}

/** The hooks directory next to the configuration files: /etc/carp/hooks.d. */
export function hooksDirFor(configDir: string): string {
  return join(configDir, 'hooks.d');
}

export type ParsedCommandLine = { readonly kind: 'run'; readonly options: DaemonOptions } | { readonly kind: 'help' };

export const USAGE = `usage: carpd [--config DIR] [--socket PATH] [--runtime-dir DIR] [--state-dir DIR]
             [--log-level LEVEL] [--hooks-dir DIR] [--metrics ADDRESS:PORT] [--ready-timeout SECONDS]
  --config DIR             boot configuration: DIR/carpN.conf and DIR/sysctl.conf (default ${DEFAULT_CONFIG_DIR})
  --runtime-dir DIR        state kept for a restarted carpd (default ${DEFAULT_RUNTIME_DIR})
  --state-dir DIR          state kept across reboots: maintenance mode (default ${DEFAULT_STATE_DIR})
  --socket PATH            control socket, mode 0600 (default: $CARPD_SOCKET, else /run/carpd.sock)
  --log-level LEVEL        ${LOG_LEVELS.join('|')} (default info)
  --hooks-dir DIR          executables run on every state change (default: the config directory's hooks.d)
  --metrics ADDRESS:PORT   serve OpenMetrics at http://ADDRESS:PORT/metrics (default: off)
  --ready-timeout SECONDS  report readiness to systemd after this long even if not every interface runs (default ${DEFAULT_READY_TIMEOUT_MS / 1000})`;

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
        'state-dir': { type: 'string' },
        'log-level': { type: 'string' },
        'hooks-dir': { type: 'string' },
        metrics: { type: 'string' },
        'ready-timeout': { type: 'string' },
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
    ['--state-dir', values['state-dir']],
    ['--hooks-dir', values['hooks-dir']],
  ] as const) {
    if (value === '') throw new UsageError(`${name} needs a path`);
  }
  const configDir = values.config ?? DEFAULT_CONFIG_DIR;
  return {
    kind: 'run',
    options: {
      configDir,
      runtimeDir: values['runtime-dir'] ?? DEFAULT_RUNTIME_DIR,
      stateDir: values['state-dir'] ?? DEFAULT_STATE_DIR,
      socket: values.socket ?? null,
      logLevel,
      hooksDir: values['hooks-dir'] ?? hooksDirFor(configDir),
      metrics: values.metrics === undefined ? null : metricsAddress(values.metrics),
      readyTimeoutMs: values['ready-timeout'] === undefined ? DEFAULT_READY_TIMEOUT_MS : readyTimeout(values['ready-timeout']),
    },
  };
}

function metricsAddress(text: string): ListenAddress {
  try {
    return parseListenAddress(text);
  } catch (e: unknown) {
    throw new UsageError(`--metrics ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Seconds, fractions allowed, up to an hour (systemd's start timeout is 90 s by default). */
function readyTimeout(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    throw new UsageError(`--ready-timeout ${text}: expected seconds from 0 to 3600`);
  }
  return Math.round(seconds * 1000);
}

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
