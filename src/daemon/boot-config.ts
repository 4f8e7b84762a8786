/**
 * The boot configuration (/etc/carp): sysctl.conf first, so knobs such as preempt are in force
 * before any interface runs, then every carpN.conf. A file that is refused — when it is read, or
 * when its settings are applied — is logged with its reason and nothing from it stays in force;
 * the other files still apply.
 */
import { ConfigError } from '../config/grammar';
import { readConfigDirectory } from '../config/config-files';
import type { InterfaceFileConfig } from '../config/settings';
import { describeError } from './describe-error';
import type { CarpService } from './carp-service';
import type { Logger } from './logger';

export async function applyBootConfiguration(
  dir: string,
  service: CarpService,
  checkSysctl: (name: string, value: string) => void,
  logger: Logger,
): Promise<void> {
  let results;
  try {
    results = await readConfigDirectory(dir, { checkSysctl: (a) => checkSysctl(a.name, a.value) });
  } catch (e: unknown) {
    if (e instanceof ConfigError) logger.warn({ dir }, `no boot configuration applied: ${e.message}`);
    else throw e;
    return;
  }
  for (const result of results) {
    if (result.kind !== 'sysctl') continue;
    try {
      for (const change of service.sysctlSet(result.assignments)) {
        logger.info({ file: result.file }, `${change.name}: ${change.from} -> ${change.to}`);
      }
    } catch (e: unknown) {
      logger.error({ file: result.file }, `${result.file}: refused: ${describeError(e)}`);
    }
  }
  for (const result of results) {
    if (result.kind === 'error') logger.error({ file: result.file }, result.message);
    if (result.kind === 'interface') await applyInterfaceFile(result.config, service, logger);
  }
}

async function applyInterfaceFile(config: InterfaceFileConfig, service: CarpService, logger: Logger): Promise<void> {
  const { ifname, file } = config;
  const adopted = service.isCarpInterface(ifname);
  try {
    const warnings = adopted ? await service.configure(ifname, config.settings) : await service.create(ifname, config.settings);
    for (const warning of warnings) logger.warn({ file }, `${file}: ${warning}`);
    await service.ensureAddresses(ifname, config.addresses);
    logger.info({ file, ifname }, `${ifname}: configured from ${file}`);
  } catch (e: unknown) {
    // A new interface is removed again; an adopted one keeps its device and addresses, as it was.
    if (!adopted && service.isCarpInterface(ifname)) await service.destroy(ifname);
    logger.error({ file, ifname }, `${file}: refused: ${describeError(e)}`);
  }
}
