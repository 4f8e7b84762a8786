/**
 * The configuration directory (/etc/carp) as carpd applies it: at boot, on reload (SIGHUP), and
 * when a carpdev that a file names appears.
 * - Boot: sysctl.conf first, so knobs such as preempt are in force before any interface runs,
 *   then every carpN.conf. A file that is refused — when it is read, or when its settings are
 *   applied — is logged with its reason and nothing from it stays in force; the others still apply.
 * - Reload: the directory is read again; if any file is refused while it is read, nothing changes
 *   (each reason is logged). Otherwise only what the files changed is applied: an untouched file
 *   leaves its interface alone (state, timers, what carpctl changed), an edited one gets the words
 *   that differ (file-change.ts) through the same planner as carpctl (carp-service.ts), a new one
 *   is applied as at boot, and the interface of a file that is gone is destroyed. sysctl.conf: a
 *   changed value is set, a name taken out goes back to its default. A change the daemon refuses
 *   leaves that interface as it was.
 * - A carpN.conf naming a carpdev that does not exist (yet) waits for it: carpN is created
 *   unconfigured (INIT, no vhid, no demotion) and the file is applied when the kernel reports the
 *   carpdev.
 */
import { ConfigError } from '../config/grammar';
import { join } from 'node:path';
import { type ConfigFileResult, SYSCTL_FILE, readConfigDirectory } from '../config/config-files';
import type { InterfaceFileConfig, SysctlAssignment } from '../config/settings';
import { DEFAULT_SYSCTLS, DEMOTION_SYSCTL, readSysctl } from '../carp/sysctl';
import type { CarpService } from './carp-service';
import { describeError } from './describe-error';
import { fileChange, sameFile } from './file-change';
import type { Logger } from './logger';

export interface ConfigDirectoryDeps {
  readonly dir: string;
  readonly service: CarpService;
  /** Throws (naming the valid values) when `value` is not valid for `name`. */
  readonly checkSysctl: (name: string, value: string) => void;
  /** Whether the kernel has a link of that name. */
  readonly linkExists: (name: string) => boolean;
  /** The groups carpN is in besides `carp`. */
  readonly groupsOf: (ifname: string) => readonly string[];
  readonly logger: Logger;
}

export class ConfigDirectory {
  /** The file in force on each interface configured from one. */
  private readonly applied = new Map<string, InterfaceFileConfig>();
  /** Files waiting for their carpdev, by interface. */
  private readonly waiting = new Map<string, InterfaceFileConfig>();
  /** The assignments of the sysctl.conf in force. */
  private sysctls: readonly SysctlAssignment[] = [];

  constructor(private readonly deps: ConfigDirectoryDeps) {}

  async boot(): Promise<void> {
    const results = await this.read('no boot configuration applied', 'warn');
    if (typeof results === 'string') return;
    for (const result of results) {
      if (result.kind === 'sysctl') this.applySysctls(result.file, result.assignments);
    }
    for (const result of results) {
      if (result.kind === 'error') this.deps.logger.error({ file: result.file }, result.message);
      if (result.kind === 'interface') await this.applyFile(result.config);
    }
  }

  /** Why the directory was refused (nothing changed then); empty when it was applied. */
  async reload(): Promise<string[]> {
    const { logger, dir } = this.deps;
    logger.info({ dir }, `reloading ${dir}`);
    const results = await this.read(`reload of ${dir} refused, the running configuration stays`, 'error');
    if (typeof results === 'string') return [results];
    const refused = results.filter((r) => r.kind === 'error');
    if (refused.length > 0) {
      for (const result of refused) logger.error({ file: result.file }, result.message);
      const files = refused.map((r) => r.file).join(', ');
      logger.error({ dir }, `reload of ${dir} refused: ${files} cannot be used; nothing was changed`);
      return refused.map((r) => r.message);
    }
    const sysctl = results.find((r) => r.kind === 'sysctl');
    const assignments = sysctl?.assignments ?? [];
    this.applySysctls(sysctl?.file ?? join(dir, SYSCTL_FILE), sysctlChanges(this.sysctls, assignments), assignments);
    const files = results.flatMap((r) => (r.kind === 'interface' ? [r.config] : []));
    for (const ifname of [...this.applied.keys(), ...this.waiting.keys()]) {
      if (!files.some((f) => f.ifname === ifname)) await this.fileRemoved(ifname);
    }
    for (const config of files) await this.applyFile(config);
    logger.info({ dir }, `reloaded ${dir}`);
    return [];
  }

  /** The carpdev carpN waits for, or null. */
  waitingFor(ifname: string): string | null {
    const carpdev = this.waiting.get(ifname)?.settings.carpdev;
    return typeof carpdev === 'string' ? carpdev : null;
  }

  /** Whether some file waits for the link `name`. */
  waitsFor(name: string): boolean {
    return [...this.waiting.keys()].some((ifname) => this.waitingFor(ifname) === name);
  }

  /** The kernel reported the link `name`: the files waiting for it apply. */
  async linkAppeared(name: string): Promise<void> {
    for (const config of [...this.waiting.values()]) {
      if (config.settings.carpdev !== name || !this.deps.linkExists(name)) continue;
      this.deps.logger.info({ file: config.file, ifname: config.ifname }, `${config.ifname}: carpdev ${name} appeared: applying ${config.file}`);
      await this.applyFile(config);
    }
  }

  /** The files, or the message logged (at `level`) when the directory itself is refused. */
  private async read(refusal: string, level: 'warn' | 'error'): Promise<ConfigFileResult[] | string> {
    const { dir, checkSysctl, logger } = this.deps;
    try {
      return await readConfigDirectory(dir, { checkSysctl: (a) => checkSysctl(a.name, a.value) });
    } catch (e: unknown) {
      if (!(e instanceof ConfigError)) throw e;
      const message = `${refusal}: ${e.message}`;
      logger[level]({ dir }, message);
      return message;
    }
  }

  /** `assignments` is the file's content, recorded once `changes` are in force. */
  private applySysctls(file: string, changes: readonly SysctlAssignment[], assignments = changes): void {
    const { service, logger } = this.deps;
    try {
      for (const change of service.sysctlSet(changes)) logger.info({ file }, `${change.name}: ${change.from} -> ${change.to}`);
      this.sysctls = assignments;
    } catch (e: unknown) {
      logger.error({ file }, `${file}: refused: ${describeError(e)}`);
    }
  }

  private async applyFile(config: InterfaceFileConfig): Promise<void> {
    const { service } = this.deps;
    const { ifname } = config;
    const carpdev = config.settings.carpdev;
    if (typeof carpdev === 'string' && !this.deps.linkExists(carpdev)) return this.waitForCarpdev(config, carpdev);
    this.waiting.delete(ifname);
    const before = this.applied.get(ifname);
    if (before === undefined || !service.isCarpInterface(ifname)) return this.applyWhole(config);
    if (!sameFile(before, config)) await this.applyChange(before, config);
  }

  /** As at boot: over a new interface, or over the one there (left by an earlier run, or carpctl's). */
  private async applyWhole(config: InterfaceFileConfig): Promise<void> {
    const { service, logger } = this.deps;
    const { ifname, file } = config;
    const adopted = service.isCarpInterface(ifname);
    this.applied.delete(ifname);
    try {
      const warnings = adopted ? await service.configure(ifname, config.settings) : await service.create(ifname, config.settings);
      for (const warning of warnings) logger.warn({ file }, `${file}: ${warning}`);
      await service.ensureAddresses(ifname, config.addresses);
      this.applied.set(ifname, config);
      logger.info({ file, ifname }, `${ifname}: configured from ${file}`);
    } catch (e: unknown) {
      // A new interface is removed again; an adopted one keeps its device and addresses, as it was.
      if (!adopted && service.isCarpInterface(ifname)) await service.destroy(ifname);
      logger.error({ file, ifname }, `${file}: refused: ${describeError(e)}`);
    }
  }

  /** Reload of an edited file: the words that changed, then the addresses. */
  private async applyChange(before: InterfaceFileConfig, after: InterfaceFileConfig): Promise<void> {
    const { service, logger } = this.deps;
    const { ifname, file } = after;
    const change = fileChange(before, after, this.deps.groupsOf(ifname));
    try {
      if (Object.keys(change.settings).length > 0) {
        for (const warning of await service.configure(ifname, change.settings)) logger.warn({ file }, `${file}: ${warning}`);
      }
      await service.ensureAddresses(ifname, change.addressesAdded);
      await service.removeAddresses(ifname, change.addressesRemoved);
      this.applied.set(ifname, after);
      logger.info({ file, ifname }, `${ifname}: reconfigured from ${file}`);
    } catch (e: unknown) {
      logger.error({ file, ifname }, `${file}: refused, ${ifname} keeps its configuration: ${describeError(e)}`);
    }
  }

  /**
   * carpN exists meanwhile, unconfigured, so that status shows it waiting; an interface that runs
   * already (an edited file naming a new carpdev) keeps its configuration until the carpdev comes.
   */
  private async waitForCarpdev(config: InterfaceFileConfig, carpdev: string): Promise<void> {
    const { service, logger } = this.deps;
    const { ifname, file } = config;
    const known = this.waiting.has(ifname);
    this.waiting.set(ifname, config);
    if (known) return;
    try {
      if (!service.isCarpInterface(ifname)) await service.create(ifname, {});
      logger.warn({ file, ifname }, `${file}: carpdev ${carpdev}: no such interface yet; ${ifname} stays unconfigured until it appears`);
    } catch (e: unknown) {
      this.waiting.delete(ifname);
      logger.error({ file, ifname }, `${file}: refused: ${describeError(e)}`);
    }
  }

  /** A file that is gone takes its interface with it (keepalived does so with its instances). */
  private async fileRemoved(ifname: string): Promise<void> {
    const { service, logger } = this.deps;
    const file = (this.applied.get(ifname) ?? this.waiting.get(ifname))?.file ?? ifname;
    this.applied.delete(ifname);
    this.waiting.delete(ifname);
    if (!service.isCarpInterface(ifname)) return;
    try {
      await service.destroy(ifname);
      logger.info({ file, ifname }, `${ifname}: destroyed, ${file} is gone`);
    } catch (e: unknown) {
      logger.error({ file, ifname }, `${ifname}: cannot destroy it (${file} is gone): ${describeError(e)}`);
    }
  }
}

/**
 * The writes that take the sysctl.conf in force to the new one: a changed value, a new name, and
 * the default of a name taken out. net.inet.carp.demotion is an adjustment: the difference of the
 * two files' amounts, so that the total is what a boot with the new file would give.
 */
export function sysctlChanges(before: readonly SysctlAssignment[], after: readonly SysctlAssignment[]): SysctlAssignment[] {
  const changes: SysctlAssignment[] = [];
  const valueIn = (list: readonly SysctlAssignment[], name: string): string | undefined => list.find((a) => a.name === name)?.value;
  for (const name of new Set([...before, ...after].map((a) => a.name))) {
    const was = valueIn(before, name);
    const now = valueIn(after, name);
    if (was === now) continue;
    if (name === DEMOTION_SYSCTL) {
      const delta = Number(now ?? 0) - Number(was ?? 0);
      if (delta !== 0) changes.push({ name, value: String(delta) });
    } else {
      changes.push({ name, value: now ?? readSysctl(DEFAULT_SYSCTLS, 0, name) });
    }
  }
  return changes;
}
