/**
 * `carppeer`: where advertisements go when multicast cannot carry them (docs/protocol.md §1.7).
 * OpenBSD's carppeer takes one IPv4 address; FreeBSD has `peer` and `peer6`; we keep one peer per
 * family. A peer is the unicast address of the other CARP host on the carpdev's link.
 */
import { type Family, type IpAddress, formatIp, isMulticastIp } from '../wire/address';
import { CarpError } from './errors';

const EXAMPLES = 'e.g. carppeer 192.0.2.2 or carppeer 2001:db8::2';

/** Why `peer` cannot be a peer, or null when it can. */
function refusal(peer: IpAddress): string | null {
  const bytes = peer.bytes;
  if (bytes.every((b) => b === 0)) return 'the unspecified address';
  if (isMulticastIp(peer)) return 'a multicast address';
  if (peer.family === 4) {
    if (bytes[0] === 127) return 'a loopback address';
    if (bytes.every((b) => b === 0xff)) return 'the broadcast address';
    return null;
  }
  if (bytes.subarray(0, 15).every((b) => b === 0) && bytes[15] === 1) return 'the loopback address';
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return 'an IPv4-mapped address (give the IPv4 address itself)';
  }
  return null;
}

/** Throws unless `peer` is a unicast address another host can have. */
export function checkPeer(peer: IpAddress): void {
  const problem = refusal(peer);
  if (problem === null) return;
  throw new CarpError(
    'bad-value',
    `carppeer ${formatIp(peer)} is ${problem}: carppeer takes the unicast address of the other CARP host (${EXAMPLES}); ` +
      '-carppeer goes back to the multicast group',
  );
}

/** Checks a peer list: valid addresses, at most one per family; returns it IPv4 first, copied. */
export function checkPeers(peers: readonly IpAddress[]): IpAddress[] {
  if (!Array.isArray(peers as unknown)) throw new CarpError('bad-value', 'peers must be a list of IP addresses');
  for (const family of [4, 6] as const) {
    if (peers.filter((p) => p.family === family).length > 1) {
      throw new CarpError('bad-value', `at most one IPv${family} carppeer: give the one other CARP host (${EXAMPLES})`);
    }
  }
  for (const peer of peers) checkPeer(peer);
  return [...peers].sort((a, b) => a.family - b.family).map((p) => ({ family: p.family, bytes: Buffer.from(p.bytes) }));
}

/** The peer of `family`, or undefined when that family advertises to its multicast group. */
export function peerOf(peers: readonly IpAddress[], family: Family): IpAddress | undefined {
  return peers.find((p) => p.family === family);
}
