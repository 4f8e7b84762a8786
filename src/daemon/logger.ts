/**
 * pino JSON on stdout, for journald (docs/design.md, "Dependencies"). The passphrase is never put in
 * a log record; redaction of the usual field names is a second line of defence.
 */
import pino from 'pino';

export type Logger = pino.Logger;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: 'carpd',
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['pass', 'passphrase', 'key', '*.pass', '*.passphrase', '*.key', 'settings.pass'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
