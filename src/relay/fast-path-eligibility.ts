/**
 * Which carp interfaces the kernel may carry (src/kernel/fast-path-commands.ts): a MASTER of its
 * one node, without balancing, outside arpbalance groups. Every other case needs the relay's
 * per-frame decisions: the fold hash of `balancing ip`, the readdressing of `ip-stealth` and
 * `ip-unicast`, the per-node MACs of `arp`, the member MACs of arpbalance; and a BACKUP or INIT
 * interface passes nothing.
 */
import type { FastPathSpec } from '../kernel/fast-path-commands';
import type { CarpPortShape } from './relay';

export function fastPathFor(ifname: string, shape: CarpPortShape, masters: readonly number[], inArpBalanceGroup: boolean): FastPathSpec | null {
  const { carpdev, balancing } = shape;
  if (carpdev === null || balancing === null || balancing.mode !== 'none') return null;
  if (shape.vhids.length !== 1 || !masters.includes(shape.vhids[0] as number) || inArpBalanceGroup) return null;
  if (((balancing.tapMac[0] as number) & 0x01) !== 0) return null;
  return { ifname, carpdev, mac: balancing.tapMac };
}
