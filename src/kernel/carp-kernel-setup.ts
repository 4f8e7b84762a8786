/**
 * The kernel settings carpd applies to the interfaces it uses, as data with the reason for each.
 * Applying is idempotent and returns only what changed, for the daemon to log. Settings are per
 * interface, never net.*.conf.all, so nothing else on the host changes behaviour.
 */
import { IncompleteChangeError, KernelError } from './errors';
import { checkInterfaceName } from './interface-name';
import { Sysctl, type SysctlChange, sysctlName } from './proc-sys';

export interface InterfaceSetting {
  readonly protocol: 'ipv4' | 'ipv6';
  readonly key: string;
  readonly value: string;
  readonly reason: string;
}

/** On each carpdev (the parent interface). */
export const CARPDEV_SETTINGS: readonly InterfaceSetting[] = [
  {
    protocol: 'ipv4',
    key: 'arp_ignore',
    value: '1',
    reason: 'Linux answers ARP for any local address on any interface: the parent would answer for the VIP with its own MAC, even in BACKUP',
  },
  {
    protocol: 'ipv4',
    key: 'arp_announce',
    value: '2',
    reason: "the parent's own ARP requests must not name the VIP as their sender",
  },
  {
    protocol: 'ipv4',
    key: 'drop_unicast_in_l2_multicast',
    value: '1',
    reason: "balancing ip sends unicast IP to a multicast MAC the parent has joined: the parent's stack would take every such packet for a local address, on every host",
  },
  {
    protocol: 'ipv6',
    key: 'drop_unicast_in_l2_multicast',
    value: '1',
    reason: "balancing ip sends unicast IP to a multicast MAC the parent has joined: the parent's stack would take every such packet for a local address, on every host",
  },
];

/**
 * On each carpN. addr_gen_mode is set through its sysctl (like the others: one mechanism, read back
 * and logged the same way) and must be set before carpN first goes up: it only stops the next
 * link-local address from being made, it does not remove one that exists.
 */
export const CARP_INTERFACE_SETTINGS: readonly InterfaceSetting[] = [
  {
    protocol: 'ipv6',
    key: 'addr_gen_mode',
    value: '1',
    reason: 'no automatic link-local address: it would derive from the virtual MAC and be the same on every node',
  },
  { protocol: 'ipv6', key: 'accept_dad', value: '0', reason: 'a VIP must never sit in DAD after a takeover' },
  {
    protocol: 'ipv6',
    key: 'keep_addr_on_down',
    value: '1',
    reason: '`ip link set carpN down` would flush the IPv6 VIPs and change the address set the HMAC covers',
  },
  {
    protocol: 'ipv4',
    key: 'ignore_routes_with_linkdown',
    value: '1',
    reason: "in BACKUP the carrier is off: the host's own traffic must avoid the dead connected route",
  },
  {
    protocol: 'ipv6',
    key: 'ignore_routes_with_linkdown',
    value: '1',
    reason: "in BACKUP the carrier is off: the host's own traffic must avoid the dead connected route",
  },
];

export function configureCarpdev(ifname: string, sysctl = new Sysctl()): Promise<SysctlChange[]> {
  return applyInterfaceSettings('configureCarpdev', ifname, CARPDEV_SETTINGS, sysctl);
}

export function configureCarpInterface(ifname: string, sysctl = new Sysctl()): Promise<SysctlChange[]> {
  return applyInterfaceSettings('configureCarpInterface', ifname, CARP_INTERFACE_SETTINGS, sysctl);
}

/**
 * Applies `settings` to `ifname` (net.<protocol>.conf.<ifname>.<key>) in order. IPv6 settings are
 * skipped when the kernel has no IPv6 (booted with ipv6.disable=1: there is no net.ipv6).
 * On a failure, the error's `applied` lists what changed before it.
 */
async function applyInterfaceSettings(
  operation: string,
  ifname: string,
  settings: readonly InterfaceSetting[],
  sysctl: Sysctl,
): Promise<SysctlChange[]> {
  checkInterfaceName(`${operation} ${ifname}`, ifname);
  const ipv6 = await sysctl.exists('net.ipv6');
  const changes: SysctlChange[] = [];
  for (const setting of settings) {
    if (setting.protocol === 'ipv6' && !ipv6) continue;
    try {
      const change = await sysctl.write(sysctlName('net', setting.protocol, 'conf', ifname, setting.key), setting.value);
      if (change) changes.push(change);
    } catch (e: unknown) {
      if (e instanceof KernelError) throw new IncompleteChangeError(changes, e);
      throw e;
    }
  }
  return changes;
}
