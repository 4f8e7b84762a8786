/**
 * Facts about the host that the daemon reads from /proc and /sys rather than rtnetlink. The roots
 * are parameters so that tests can point them at directories of their own.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** IFF_TAP in /sys/class/net/<if>/tun_flags (linux/if_tun.h). */
const IFF_TAP = 0x0002;

/** Whether `ifname` is a TAP device: how carpd recognises the carpN devices of an earlier run. */
export async function isTapDevice(ifname: string, sysClassNet = '/sys/class/net'): Promise<boolean> {
  try {
    const flags = Number.parseInt(await readFile(join(sysClassNet, ifname, 'tun_flags'), 'utf8'), 16);
    return (flags & IFF_TAP) !== 0;
  } catch {
    return false;
  }
}

/**
 * net.ipv6.conf.all.forwarding: whether this host routes IPv6, which OpenBSD announces with the
 * Router flag of its neighbour advertisements. Read when needed (it is rare), synchronously, so an
 * announcement is never held back; unreadable counts as off.
 */
export function ipv6Forwarding(procSys = '/proc/sys'): boolean {
  try {
    return readFileSync(join(procSys, 'net', 'ipv6', 'conf', 'all', 'forwarding'), 'utf8').trim() === '1';
  } catch {
    return false;
  }
}
