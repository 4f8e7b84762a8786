/**
 * Validation of our caller's input: interface names, carpdev, groups, key, carpnodes, balancing and peers. Each
 * check throws a CarpError that names the valid values and changes nothing; `validateConfig`
 * checks a whole resulting configuration so that configure() can commit all of it or none.
 */
import { checkCarpnodes } from './carpnodes';
import { BALANCING_MODE_NAMES, type BalancingMode } from '../balance/modes';
import { CARP_PASSPHRASE_MAX } from '../wire/hmac';
import type { IpAddress } from '../wire/address';
import { CarpError } from './errors';
import { CARP_GROUP } from './demotion';
import { CARP_INTERFACE_NAME, CARP_INTERFACE_NAMES, LIMITS, checkRange } from './limits';
import { checkPeers } from './peers';
import type { CarpInterfaceConfig, CarpNodeConfig, VrrpConfig } from './types';

/** Linux IFNAMSIZ is 16 bytes with the terminating NUL. */
const IFNAME_MAX_BYTES = 15;

export function checkInterfaceName(name: string): void {
  if (typeof name !== 'string' || !CARP_INTERFACE_NAME.test(name)) {
    throw new CarpError('bad-value', `"${String(name)}" is not a carp interface name: use ${CARP_INTERFACE_NAMES}`);
  }
}

/** Linux dev_valid_name: 1-15 bytes, not "." or "..", no "/", ":" or white space. */
function isLinuxInterfaceName(name: string): boolean {
  const bytes = Buffer.byteLength(name);
  return bytes >= 1 && bytes <= IFNAME_MAX_BYTES && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

export function checkCarpdevName(carpdev: string | null): void {
  if (carpdev === null) return;
  if (typeof carpdev !== 'string' || !isLinuxInterfaceName(carpdev)) {
    throw new CarpError(
      'bad-value',
      `carpdev "${String(carpdev)}" is not an interface name: 1-${IFNAME_MAX_BYTES} bytes without "/", ":" or spaces`,
    );
  }
  if (CARP_INTERFACE_NAME.test(carpdev)) {
    throw new CarpError('bad-value', `carpdev ${carpdev} is a carp interface: the carpdev must be an Ethernet interface`);
  }
}

/** OpenBSD: group names are interface-name sized and may not end in a digit. */
function checkGroups(groups: readonly string[]): void {
  if (!Array.isArray(groups as unknown)) throw new CarpError('bad-value', 'groups must be a list of group names');
  const seen = new Set<string>();
  for (const group of groups) {
    if (typeof group !== 'string' || !isLinuxInterfaceName(group) || /[0-9]$/.test(group)) {
      throw new CarpError(
        'bad-value',
        `group "${String(group)}" is not a group name: 1-${IFNAME_MAX_BYTES} bytes, no spaces, not ending in a digit`,
      );
    }
    if (group === CARP_GROUP) {
      throw new CarpError('bad-value', `every carp interface is in group ${CARP_GROUP} already; list only the other groups`);
    }
    if (seen.has(group)) throw new CarpError('bad-value', `group ${group} is listed twice`);
    seen.add(group);
  }
}

function checkKey(config: CarpInterfaceConfig): void {
  const key: unknown = config.key;
  const bytes = typeof key === 'object' && key !== null ? (key as { bytes?: unknown }).bytes : undefined;
  if (!Buffer.isBuffer(bytes) || bytes.length > CARP_PASSPHRASE_MAX) {
    throw new CarpError('bad-value', `the key must be a CarpKey of at most ${CARP_PASSPHRASE_MAX} bytes (see deriveKey)`);
  }
}

/**
 * Returns the nodes sorted by vhid (the first is the leader), after checking every value. Several
 * nodes follow OpenBSD's carpnodes rules (at most 32, vhid 1-254, each vhid once); a single one
 * keeps the 1-255 of `vhid N` (docs/protocol.md §3.9).
 */
function checkNodes(nodes: readonly CarpNodeConfig[]): CarpNodeConfig[] {
  if (!Array.isArray(nodes as unknown)) throw new CarpError('bad-value', 'nodes must be a list of {vhid, advskew}');
  if (nodes.length > 1) return checkCarpnodes(nodes);
  return nodes.map((n) => ({ vhid: checkRange('vhid', n.vhid, LIMITS.vhid), advskew: checkRange('advskew', n.advskew, LIMITS.advskew) }));
}

/**
 * OpenBSD silently forces none on a single carpnode; we refuse a balancing mode there instead, so
 * that nobody believes a one-node interface balances.
 */
function checkBalancing(balancing: BalancingMode, nodeCount: number): BalancingMode {
  if (!BALANCING_MODE_NAMES.includes(balancing)) {
    throw new CarpError('bad-value', `balancing "${String(balancing)}" is not valid: valid modes are ${BALANCING_MODE_NAMES.join(', ')}`);
  }
  if (balancing !== 'none' && nodeCount < 2) {
    throw new CarpError(
      'bad-value',
      `balancing ${balancing} needs at least two carpnodes: give carpnodes in the same command, or balancing none for a single vhid`,
    );
  }
  return balancing;
}

/**
 * `carpver 3`: the values in range, one vhid and no balancing, since VRRPv3 has neither
 * carpnodes nor load balancing (RFC 5798: one master per virtual router).
 */
function checkVrrp(vrrp: VrrpConfig | null, nodeCount: number, balancing: BalancingMode): VrrpConfig | null {
  if (vrrp === null) return null;
  if (typeof vrrp !== 'object') throw new CarpError('bad-value', 'vrrp must be {priority, intervalCentiseconds} or null');
  const priority = checkRange('vrrpprio', vrrp.priority, LIMITS.vrrpprio);
  const intervalCentiseconds = checkRange('vrrpinterval', vrrp.intervalCentiseconds, LIMITS.vrrpinterval);
  if (nodeCount > 1) {
    throw new CarpError('bad-value', `carpver 3 (VRRPv3) has one vhid per interface: VRRP has no carpnodes; give vhid N instead`);
  }
  if (balancing !== 'none') throw new CarpError('bad-value', `balancing ${balancing} is not possible with carpver 3: VRRP has no load balancing`);
  return { priority, intervalCentiseconds };
}

/** Checks every field and returns the configuration in canonical form (nodes sorted, copies). */
export function validateConfig(config: CarpInterfaceConfig): CarpInterfaceConfig {
  checkCarpdevName(config.carpdev);
  checkRange('advbase', config.advbase, LIMITS.advbase);
  checkKey(config);
  const nodes = checkNodes(config.nodes);
  const balancing = checkBalancing(config.balancing, nodes.length);
  checkGroups(config.groups);
  checkRange('garp-refresh', config.garpRefresh, LIMITS.garpRefresh);
  const peers = checkPeers(config.peers);
  const vrrp = checkVrrp(config.vrrp, nodes.length, balancing);
  return {
    carpdev: config.carpdev,
    advbase: config.advbase,
    key: { bytes: Buffer.from(config.key.bytes), truncated: config.key.truncated },
    nodes,
    balancing,
    groups: [...config.groups],
    garpRefresh: config.garpRefresh,
    peers,
    vrrp,
  };
}

/**
 * The protocol of a vhid is chosen when the vhid is made and kept (FreeBSD refuses to change
 * carpver on an existing vhid): a vhid that stays must keep its version.
 */
export function checkVersionKept(current: CarpInterfaceConfig, next: CarpInterfaceConfig): void {
  const kept = next.nodes.find((n) => current.nodes.some((c) => c.vhid === n.vhid));
  if (kept === undefined || (current.vrrp === null) === (next.vrrp === null)) return;
  const [from, to] = current.vrrp === null ? [2, 3] : [3, 2];
  throw new CarpError(
    'bad-value',
    `vhid ${kept.vhid} speaks carpver ${from}; it cannot change to carpver ${to}: recreate the vhid to change carpver (carpctl carpN destroy, then create it with vhid ${kept.vhid} carpver ${to})`,
  );
}

/** What the vhid-in-use check needs of another carp interface. */
export interface VhidOwner {
  readonly name: string;
  readonly carpdev: string | null;
  readonly vhids: readonly number[];
}

/**
 * Every node's vhid must be unique among the carp interfaces of one carpdev (OpenBSD
 * carp_check_dup_vhids; docs/protocol.md §4.2): `others` lists all the nodes of each interface.
 */
export function checkVhidsFree(name: string, config: CarpInterfaceConfig, others: readonly VhidOwner[]): void {
  if (config.carpdev === null) return;
  for (const other of others) {
    if (other.name === name || other.carpdev !== config.carpdev) continue;
    const clash = config.nodes.find((n) => other.vhids.includes(n.vhid));
    if (clash !== undefined) {
      throw new CarpError('vhid-in-use', `vhid ${clash.vhid} is in use on ${other.name} (carpdev ${config.carpdev})`);
    }
  }
}

/** Addresses come from the kernel mirror; a malformed one is our caller's bug. */
export function checkAddresses(addresses: readonly IpAddress[]): void {
  if (!Array.isArray(addresses as unknown)) throw new CarpError('bad-value', 'addresses must be a list of IP addresses');
  for (const address of addresses) {
    const expected = address.family === 4 ? 4 : address.family === 6 ? 16 : -1;
    if (!Buffer.isBuffer(address.bytes) || address.bytes.length !== expected) {
      throw new CarpError('bad-value', 'an address must be {family: 4, 4 bytes} or {family: 6, 16 bytes}');
    }
  }
}
