/**
 * Kernel settings under /proc/sys, named the way sysctl(8) names them: components separated by
 * '.', and a '.' inside a component (an interface such as eth0.10) written as '/', so
 * "net.ipv4.conf.eth0/10.arp_ignore" is /proc/sys/net/ipv4/conf/eth0.10/arp_ignore and can be
 * pasted into `sysctl -w`. Writes happen only when the value differs, and report what changed so
 * the daemon can log "net.ipv4.conf.eth0.arp_ignore: 0 -> 1".
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KernelError, invalidArgument } from './errors';

export interface SysctlChange {
  readonly name: string;
  readonly from: string;
  readonly to: string;
}

/** The dotted name of a setting from its path components: sysctlName('net', 'ipv4', 'conf', 'eth0.10', 'arp_ignore'). */
export function sysctlName(...components: string[]): string {
  for (const component of components) checkComponent(`sysctl name ${components.join('/')}`, component);
  return components.map((component) => component.replace(/\./g, '/')).join('.');
}

/** The components of a dotted name; '/' inside a component stands for '.'. */
export function sysctlComponents(name: string): string[] {
  const components = name.split('.').map((component) => component.replace(/\//g, '.'));
  for (const component of components) checkComponent(`sysctl ${name}`, component);
  return components;
}

function checkComponent(operation: string, component: string): void {
  if (component === '' || component === '.' || component === '..' || /[\s\0/]/.test(component)) {
    throw invalidArgument(operation, `${JSON.stringify(component)} is not a valid name component`);
  }
}

/** Values compare as the kernel prints them: fields separated by whitespace ("4096\t131072 6291456"). */
function normalize(value: string): string {
  return value.trim().split(/\s+/).join(' ');
}

function fsError(name: string, path: string, e: unknown): KernelError {
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  const reason = code === 'ENOENT' ? 'no such setting' : (e as Error).message;
  return new KernelError(code, `sysctl ${name} (${path}): ${reason}`, { cause: e });
}

export class Sysctl {
  /** `root` is /proc/sys; tests point it at a directory of their own. */
  constructor(readonly root = '/proc/sys') {}

  path(name: string): string {
    return join(this.root, ...sysctlComponents(name));
  }

  async read(name: string): Promise<string> {
    const path = this.path(name);
    try {
      return normalize(await readFile(path, 'utf8'));
    } catch (e: unknown) {
      throw fsError(name, path, e);
    }
  }

  /** True when the setting (or directory of settings, e.g. "net.ipv6") exists. */
  async exists(name: string): Promise<boolean> {
    try {
      await stat(this.path(name));
      return true;
    } catch {
      return false;
    }
  }

  /** Writes `value` unless the setting already has it; returns the change, or null when there was none. */
  async write(name: string, value: string | number): Promise<SysctlChange | null> {
    const wanted = normalize(String(value));
    if (wanted === '') throw invalidArgument(`sysctl ${name}`, 'the value is empty');
    const from = await this.read(name);
    if (from === wanted) return null;
    const path = this.path(name);
    try {
      await writeFile(path, `${wanted}\n`);
    } catch (e: unknown) {
      throw fsError(name, path, e);
    }
    return { name, from, to: wanted };
  }
}
