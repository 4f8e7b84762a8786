/**
 * The receive pipeline (docs/protocol.md §1.7, §1.8, §2.5, §2.6): flat guards, each with its own
 * counter, in the order allow, VRRP, length/checksum/version, vhid, protocol of the vhid, TTL,
 * carppeer, HMAC, own counter, strict counter. VRRPv3 takes its own pipeline (receive-vrrp.ts). A peer's mistakes are counted and reported as DropAction, never thrown.
 * What passes goes to the state rules.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Family } from '../wire/address';
import { CARP_TTL, type DecodedCarp, decodeCarp } from '../wire/carp';
import { internetChecksum } from '../wire/checksum';
import { WireError } from '../wire/errors';
import { verifyHmac } from '../wire/hmac';
import { looksLikeVrrp3 } from '../wire/vrrp';
import { isBowOut } from './advertisement';
import type { CarpInterface } from './carp-interface';
import type { CoreContext } from './context';
import { REPLAY_WINDOW_MS, type ReplayVerdict } from './replay-window';
import type { CarpdevDropReason } from './stats';
import { describeAddress, dropAtNode, dropBeforeVhid, findRunningNode, fromAcceptedSender } from './receive-guards';
import { type AcceptedVrrp, screenVrrp } from './receive-vrrp';
import type { Action, CarpdevStats, Millis, ReceivedAdvertisement } from './types';
import { type VirtualHost, memoFor } from './virtual-host';

/** An advertisement that passed every guard. */
export interface AcceptedAdvertisement {
  readonly protocol: 'carp';
  readonly iface: CarpInterface;
  readonly node: VirtualHost;
  readonly ad: DecodedCarp;
  readonly family: Family;
}

function decodeReason(e: WireError): CarpdevDropReason {
  switch (e.reason) {
    case 'bad-checksum':
      return 'badsum';
    case 'bad-version':
      return 'badver';
    // decodeCarp reports a short packet as truncated; the others cannot come from it, and any
    // length or header problem is a header drop.
    case 'truncated':
    case 'bad-length':
    case 'bad-header':
    case 'unsupported':
      return 'hdrops';
  }
}

/** Why net.inet.carp.strict_counter refused a counter, for the log. */
function describeRefusal(verdict: Exclude<ReplayVerdict, { kind: 'accept' }>, counter: bigint): string {
  if (verdict.kind === 'seen') return `strict counter ${counter} seen before: a replay`;
  const seconds = Math.abs(verdict.offsetMs) / 1000;
  const away = seconds > 1e9 ? 'not a timestamp' : `${seconds.toFixed(1)} s ${verdict.offsetMs < 0 ? 'behind' : 'ahead of'} our clock`;
  return `strict counter ${counter} is ${away} (at most ${REPLAY_WINDOW_MS / 1000} s): a replay, a peer without net.inet.carp.strict_counter, or clocks apart`;
}

/** Version and type byte of a VRRPv2 advertisement (RFC 3768 5.3.1). */
const VRRP2_ADVERTISEMENT = 0x21;

/**
 * VRRPv2 (RFC 3768, IPv4 only): 8 header bytes, 4 per address (count in byte 3), 8 bytes of
 * authentication data, a checksum over all of it. A CARP header has byte 3 = 7 in 36 bytes, which
 * would be 44 bytes of VRRPv2 (docs/protocol.md §8.2).
 */
function isVrrp2(packet: ReceivedAdvertisement): boolean {
  const { payload } = packet;
  const count = payload[3] ?? 0;
  return (
    packet.family === 4 &&
    payload[0] === VRRP2_ADVERTISEMENT &&
    payload.length === 16 + 4 * count &&
    internetChecksum(payload) === 0
  );
}

/** VRRPv3 (RFC 5798): its checksum over the IP pseudo-header tells it from a CARP header with version 3. */
function isVrrp3(packet: ReceivedAdvertisement): boolean {
  return looksLikeVrrp3(packet.payload, 0, packet.payload.length, packet);
}

function decode(stats: CarpdevStats, packet: ReceivedAdvertisement, out: Action[]): DecodedCarp | null {
  try {
    return decodeCarp(packet.payload);
  } catch (e: unknown) {
    if (!(e instanceof WireError)) throw e;
    return dropBeforeVhid(stats, packet, decodeReason(e), e.message, out);
  }
}

/** Runs the guards; returns the advertisement for the state rules, or null when it was dropped. */
export function screenAdvertisement(
  ctx: CoreContext,
  packet: ReceivedAdvertisement,
  now: Millis,
  out: Action[],
): AcceptedAdvertisement | AcceptedVrrp | null {
  const stats = ctx.statsOf(packet.carpdev);
  if (!ctx.settings.allow) return dropBeforeVhid(stats, packet, 'disallowed', 'net.inet.carp.allow is 0', out);
  const family: Family = packet.family === 6 ? 6 : 4;
  if (family === 4) stats.ipackets++;
  else stats.ipackets6++;
  if (isVrrp3(packet)) return screenVrrp(ctx, packet, family, out);
  if (isVrrp2(packet)) {
    // VRRP routers share protocol 112 and the groups: a neighbour, counted but not reported.
    stats.vrrp++;
    return null;
  }
  const ad = decode(stats, packet, out);
  if (ad === null) return null;
  const match = findRunningNode(ctx, packet.carpdev, ad.vhid);
  if (match === null) {
    // Other clusters' vhids on a shared segment are normal traffic: counted, not reported.
    stats.badvhid++;
    return null;
  }
  const { iface, node } = match;
  if (family === 4) node.stats.ipackets++;
  else node.stats.ipackets6++;
  if (iface.vrrp !== null) return dropAtNode(match, packet, 'wrongver', `CARP advertisement for vhid ${node.vhid}, which speaks carpver 3 (VRRPv3)`, out);
  if (packet.ttl !== CARP_TTL) return dropAtNode(match, packet, 'badttl', `received ttl ${packet.ttl} != ${CARP_TTL}`, out);
  if (!fromAcceptedSender(iface, packet)) {
    return dropAtNode(match, packet, 'badpeer', `unicast advertisement to ${describeAddress(packet.destination)}, not from the carppeer`, out);
  }
  if (!authentic(iface, node, ad)) {
    return dropAtNode(match, packet, 'badauth', 'incorrect hash', out);
  }
  if (node.sentCounter(ad.counter)) return dropAtNode(match, packet, 'loop', 'replay or network loop detected', out);
  if (ctx.settings.strictCounter) {
    const counter = ad.counter.readBigUInt64BE();
    const verdict = node.replayWindow.admit(family, counter, ctx.wallClock(now));
    if (verdict.kind !== 'accept') return dropAtNode(match, packet, 'replay', describeRefusal(verdict, counter), out);
  }
  node.stats.accepted++;
  if (isBowOut(ad)) node.stats.bowOutsReceived++;
  node.rememberPeer({
    source: packet.source,
    advbase: ad.advbase,
    advskew: ad.advskew,
    demote: ad.demote,
    counter: ad.counter,
    lastSeen: now,
  });
  return { protocol: 'carp', iface, node, ad, family };
}

/**
 * Whether the advertisement's HMAC is right. A MASTER with the constant cookie sends the same
 * counter and HMAC every second, and a BACKUP of hundreds of vhids receives hundreds a second: the
 * node keeps the last pair that verified, for the key and address list it verified with (which
 * reconfiguration replaces, never changes in place), and the same pair again needs no new HMAC.
 * Anything else is verified in full (every accepted message form).
 */
function authentic(iface: CarpInterface, node: VirtualHost, ad: DecodedCarp): boolean {
  const last = memoFor(node.lastVerified, iface.key, iface.addresses);
  if (
    last !== null &&
    last.counter.equals(ad.counter) &&
    last.hmac.length === ad.hmac.length &&
    timingSafeEqual(last.hmac, ad.hmac)
  ) {
    return true;
  }
  if (verifyHmac(iface.key, { vhid: node.vhid, addresses: iface.addresses, counter: ad.counter }, ad.hmac) === null) return false;
  node.lastVerified = { key: iface.key, addresses: iface.addresses, counter: Buffer.from(ad.counter), hmac: Buffer.from(ad.hmac) };
  return true;
}
