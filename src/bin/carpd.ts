#!/usr/bin/env node
/** carpd: the CARP daemon. Runs in the foreground; systemd (or a test) supervises it. */
import { Daemon } from '../daemon/daemon';
import { createLogger } from '../daemon/logger';
import { USAGE, UsageError, parseCommandLine } from '../daemon/options';
import { productionEnvironment } from '../daemon/production';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseCommandLine(process.argv.slice(2));
  } catch (e: unknown) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`carpd: ${e.message}\n${USAGE}\n`);
    process.exitCode = 1;
    return;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const logger = createLogger(parsed.options.logLevel);
  process.on('uncaughtException', (error) => {
    // A defect of ours: exit with EX_SOFTWARE and let systemd restart us. The TAPs stay, and the
    // kernel turns their carrier off when the last fd closes.
    logger.fatal({ err: error }, `carpd: internal error: ${error.message}`);
    process.exit(70);
  });
  const daemon = await Daemon.start(parsed.options, productionEnvironment(logger));
  const stop = (signal: string): void => {
    logger.info({ signal }, `${signal}: stopping`);
    daemon.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'carpd: error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`carpd: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
