/** Boot functions for simulated hosts: the daemon's start-up sequence for some carp interfaces. */
import type { BalancingMode } from '../../src/balance/modes';
import type { CarpHost } from '../../src/carp/host';
import type { Action, CarpNodeConfig, Millis } from '../../src/carp/types';
import { type IpAddress, parseIp } from '../../src/wire/address';
import { deriveKey } from '../../src/wire/hmac';
import type { BootFn } from './lan';

interface CommonSpec {
  readonly ifname?: string;
  readonly carpdev?: string;
  readonly advbase?: number;
  readonly passphrase?: string;
  readonly addresses?: readonly string[];
  readonly groups?: readonly string[];
}

/** `vhid N advskew K` (one node), or OpenBSD's `carpnodes 1:0,2:100 [balancing MODE]`. */
export type CarpSpec = CommonSpec &
  (
    | { readonly vhid: number; readonly advskew?: number }
    | { readonly carpnodes: string; readonly balancing?: BalancingMode }
  );

export const VIP4 = '192.0.2.100';
export const VIP6 = '2001:db8::100';

/** "1:0,2:100" as OpenBSD's ifconfig takes it: vhid:advskew pairs. */
export function parseCarpnodes(text: string): CarpNodeConfig[] {
  return text.split(',').map((pair) => {
    const [vhid, advskew] = pair.split(':').map(Number);
    if (vhid === undefined || advskew === undefined) throw new Error(`"${pair}" is not vhid:advskew`);
    return { vhid, advskew };
  });
}

/** Brings one carp interface up the way the daemon would: create, configure, addresses, up. */
export function bringUp(host: CarpHost, spec: CarpSpec, now: Millis): Action[] {
  const ifname = spec.ifname ?? 'carp0';
  const addresses: IpAddress[] = (spec.addresses ?? [VIP4]).map(parseIp);
  return [
    ...host.createInterface(ifname, now),
    ...host.configure(
      ifname,
      {
        carpdev: spec.carpdev ?? 'eth0',
        advbase: spec.advbase ?? 1,
        key: deriveKey(spec.passphrase ?? 'secret'),
        nodes: 'carpnodes' in spec ? parseCarpnodes(spec.carpnodes) : [{ vhid: spec.vhid, advskew: spec.advskew ?? 0 }],
        balancing: ('carpnodes' in spec ? spec.balancing : undefined) ?? 'none',
        groups: spec.groups ?? [],
      },
      now,
    ),
    ...host.setAddresses(ifname, addresses, now),
    ...host.setAdminUp(ifname, true, now),
  ];
}

/**
 * A boot function: carpdevs running first (so that configuring them causes no transient
 * demotion), then the sysctls, then each interface.
 */
export function boot(specs: readonly CarpSpec[], sysctls: readonly (readonly [string, string])[] = []): BootFn {
  return (host, now) => {
    const carpdevs = [...new Set(specs.map((s) => s.carpdev ?? 'eth0'))];
    return [
      ...carpdevs.flatMap((carpdev) => host.setCarpdevRunning(carpdev, true, now)),
      ...sysctls.flatMap(([name, value]) => host.setSysctl(name, value, now)),
      ...specs.flatMap((spec) => bringUp(host, spec, now)),
    ];
  };
}
