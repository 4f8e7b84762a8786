/**
 * Building the advertisements of a virtual host: one 36-byte CARP header (HMAC over the sorted
 * address list, our constant cookie or a strict counter) sent once per active family, IPv4 first,
 * to the CARP groups or the carppeer of the family (docs/protocol.md §1.1-§1.3, §1.7, §2.2).
 */
import type { IpAddress } from '../wire/address';
import { CARP_BOW_OUT, CARP_IPV4_GROUP, CARP_IPV6_GROUP, encodeCarp } from '../wire/carp';
import { computeHmac } from '../wire/hmac';
import type { CarpInterface } from './carp-interface';
import { advertisementSourceMac } from './link-layer';
import type { CoreContext } from './context';
import { peerOf } from './peers';
import { counterBytes, nextStrictCounter } from './replay-window';
import type { AdvertiseAction, Millis } from './types';
import { type RoundMemo, type VirtualHost, copyAddress, memoFor } from './virtual-host';

/** What goes into the fields the HMAC does not cover. */
export interface AdvertisedValues {
  readonly advbase: number;
  readonly advskew: number;
  readonly demote: number;
}

/** advbase 255 / advskew 255: "I am leaving" (docs/protocol.md §3.7). */
export function bowOutValues(demote: number): AdvertisedValues {
  return { advbase: CARP_BOW_OUT, advskew: CARP_BOW_OUT, demote };
}

export function isBowOut(values: { readonly advbase: number; readonly advskew: number }): boolean {
  return values.advbase === CARP_BOW_OUT && values.advskew === CARP_BOW_OUT;
}

/**
 * The carppeer of the family, or its CARP group (docs/protocol.md §1.7). A copy per action: the
 * group constants are shared and a driver must not be able to change them.
 */
export function destinationOf(iface: CarpInterface, family: 4 | 6): IpAddress {
  return copyAddress(peerOf(iface.peers, family) ?? (family === 4 ? CARP_IPV4_GROUP : CARP_IPV6_GROUP));
}

/**
 * The counter of the next round: our constant cookie (OpenBSD-current), or with
 * net.inet.carp.strict_counter a timestamp that moves forward (replay-window.ts).
 */
function roundCounter(ctx: CoreContext, node: VirtualHost, now: Millis): Buffer {
  if (!ctx.settings.strictCounter) return node.cookie;
  const wallClock = ctx.wallClock(now);
  node.lastStrictCounter = nextStrictCounter(node.lastStrictCounter, wallClock, node.cookie.readUInt16BE(0));
  node.replayWindow.rememberSent(node.lastStrictCounter, wallClock);
  return counterBytes(node.lastStrictCounter);
}

/**
 * The HMAC of a round. With the constant cookie it changes only with the key or the addresses,
 * which reconfiguration replaces (never changes in place): the node keeps the last one and signs
 * again only when one of the three is another object. Hundreds of MASTERs each sign every second.
 */
function roundHmac(iface: CarpInterface, node: VirtualHost, counter: Buffer): Buffer {
  const last = memoFor(node.lastSignature, iface.key, iface.addresses);
  if (last !== null && last.counter === counter) return last.hmac;
  const hmac = computeHmac(iface.key, { vhid: node.vhid, addresses: iface.addresses, counter });
  node.lastSignature = { key: iface.key, addresses: iface.addresses, counter, hmac };
  return hmac;
}

/**
 * The advertisements of one round, counted as sent (opackets / opackets6, bowOutsSent). The
 * interface must have a carpdev; a round without an active family is empty.
 *
 * A MASTER sends the same advertisements round after round, hundreds of them a second with as
 * many vhids: while nothing they are made of changed, the node's latest round is handed out
 * again, the same action objects (their buffers are read-only, AdvertiseAction), so that neither
 * the core nor the driver builds them anew (the executor keeps each action's frame).
 */
export function buildAdvertisements(
  ctx: CoreContext,
  now: Millis,
  iface: CarpInterface,
  node: VirtualHost,
  values: AdvertisedValues,
): readonly AdvertiseAction[] {
  const carpdev = iface.carpdev;
  const families = iface.activeFamilies();
  if (carpdev === null || families.length === 0) return [];
  const counter = roundCounter(ctx, node, now);
  const last = node.lastRound;
  if (last !== null && isSameRound(last, iface.addresses, counter, values)) {
    for (const action of last.actions) countSent(node, action.family, action.bowOut);
    return last.actions;
  }
  const hmac = roundHmac(iface, node, counter);
  const payload = encodeCarp({ vhid: node.vhid, ...values, counter, hmac });
  const bowOut = isBowOut(values);
  const sourceMac = advertisementSourceMac(iface, node.vhid);
  const actions = families.map((family) => sentAdvertisement(iface, node, carpdev, family, { sourceMac, protocol: 'carp', payload, bowOut }));
  node.lastRound = { addresses: iface.addresses, counter, ...values, actions };
  return actions;
}

/**
 * Whether the round would be the last one again. The active families, and the group or carppeer
 * of each, follow from the addresses and the configuration.
 */
function isSameRound(last: RoundMemo, addresses: readonly IpAddress[], counter: Buffer, values: AdvertisedValues): boolean {
  return (
    last.addresses === addresses &&
    last.counter === counter &&
    last.advbase === values.advbase &&
    last.advskew === values.advskew &&
    last.demote === values.demote
  );
}

function countSent(node: VirtualHost, family: 4 | 6, bowOut: boolean): void {
  if (family === 4) node.stats.opackets++;
  else node.stats.opackets6++;
  if (bowOut) node.stats.bowOutsSent++;
}

/** What a CARP and a VRRPv3 advertisement of one family differ in. */
export type AdvertisedPacket = Pick<AdvertiseAction, 'sourceMac' | 'protocol' | 'payload' | 'bowOut'>;

/** The advertisement of `family`, to its group or the carppeer, counted as sent (carpstats). */
export function sentAdvertisement(iface: CarpInterface, node: VirtualHost, carpdev: string, family: 4 | 6, packet: AdvertisedPacket): AdvertiseAction {
  countSent(node, family, packet.bowOut);
  return { kind: 'advertise', ifname: iface.name, carpdev, vhid: node.vhid, family, destination: destinationOf(iface, family), ...packet };
}
