/** Shared pieces of the core's unit tests: a deterministic host, peer advertisements, action filters. */
import assert from 'node:assert/strict';
import { CarpError, type CarpErrorCode } from '../../src/carp/errors';
import { CarpHost } from '../../src/carp/host';
import type {
  Action,
  AdvertiseAction,
  CarpState,
  DemotionAction,
  DropAction,
  Millis,
  RandomSource,
  ReceivedAdvertisement,
  StateChangeAction,
} from '../../src/carp/types';
import { type IpAddress, parseIp } from '../../src/wire/address';
import { CARP_IPV4_GROUP, CARP_IPV6_GROUP, type DecodedCarp, decodeCarp, encodeCarp } from '../../src/wire/carp';
import { computeHmac, deriveKey } from '../../src/wire/hmac';
import { VIP4, bringUp } from '../sim/setup';

/** 1/256 s in ms. */
export const SKEW = 1000 / 256;

/** Cookies 01.., 02.., ...: distinct and recognisable. */
export function countingRandom(): RandomSource {
  let next = 1;
  return { bytes: (count) => Buffer.alloc(count, next++) };
}

export interface HostOptions {
  readonly vhid?: number;
  readonly advbase?: number;
  readonly advskew?: number;
  readonly addresses?: readonly string[];
  readonly sysctls?: readonly (readonly [string, string])[];
  readonly groups?: readonly string[];
}

/** A host with carp0 on eth0 running (BACKUP) at time 0; vhid 1, advbase 1, advskew 0, 192.0.2.100. */
export function runningHost(options: HostOptions = {}): CarpHost {
  const host = new CarpHost({ random: countingRandom() });
  host.setCarpdevRunning('eth0', true, 0);
  for (const [name, value] of options.sysctls ?? []) host.setSysctl(name, value, 0);
  bringUp(
    host,
    {
      vhid: options.vhid ?? 1,
      advbase: options.advbase ?? 1,
      advskew: options.advskew ?? 0,
      addresses: options.addresses ?? [VIP4],
      groups: options.groups ?? [],
    },
    0,
  );
  return host;
}

/** Runs the host's timers up to `until` and returns the actions, in order. */
export function runTimers(host: CarpHost, until: Millis): Action[] {
  const out: Action[] = [];
  for (let at = host.nextDeadline(); at !== null && at <= until; at = host.nextDeadline()) out.push(...host.tick(at));
  return out;
}

/** Makes the host MASTER by letting its master-down timer expire; returns the time it did. */
export function becomeMaster(host: CarpHost): Millis {
  const at = host.nextDeadline();
  assert.notEqual(at, null);
  host.tick(at as Millis);
  assert.equal(host.status().interfaces[0]?.nodes[0]?.state, 'MASTER');
  return at as Millis;
}

export interface PeerAd {
  readonly vhid?: number;
  readonly advbase?: number;
  readonly advskew?: number;
  readonly demote?: number;
  readonly passphrase?: string;
  readonly addresses?: readonly string[];
  readonly counter?: Buffer;
  readonly family?: 4 | 6;
  readonly ttl?: number;
  readonly carpdev?: string;
  readonly source?: string;
  /** Default: the CARP group of the family. */
  readonly destination?: string;
}

export const PEER_COUNTER = Buffer.from('a1a2a3a4a5a6a7a8', 'hex');

/** An advertisement from a peer with the same configuration as runningHost() unless overridden. */
export function peerAd(options: PeerAd = {}): ReceivedAdvertisement {
  const vhid = options.vhid ?? 1;
  const counter = options.counter ?? PEER_COUNTER;
  const addresses = (options.addresses ?? [VIP4]).map(parseIp);
  const hmac = computeHmac(deriveKey(options.passphrase ?? 'secret'), { vhid, addresses, counter });
  const payload = encodeCarp({
    vhid,
    advbase: options.advbase ?? 1,
    advskew: options.advskew ?? 0,
    demote: options.demote ?? 0,
    counter,
    hmac,
  });
  const family = options.family ?? 4;
  return {
    carpdev: options.carpdev ?? 'eth0',
    family,
    source: parseIp(options.source ?? (family === 4 ? '192.0.2.2' : 'fe80::2')),
    destination: options.destination === undefined ? (family === 4 ? CARP_IPV4_GROUP : CARP_IPV6_GROUP) : parseIp(options.destination),
    ttl: options.ttl ?? 255,
    payload,
  };
}

export function states(actions: readonly Action[]): StateChangeAction[] {
  return actions.filter((a): a is StateChangeAction => a.kind === 'state');
}

export function adverts(actions: readonly Action[]): AdvertiseAction[] {
  return actions.filter((a): a is AdvertiseAction => a.kind === 'advertise');
}

export function drops(actions: readonly Action[]): DropAction[] {
  return actions.filter((a): a is DropAction => a.kind === 'drop');
}

export function demotions(actions: readonly Action[]): DemotionAction[] {
  return actions.filter((a): a is DemotionAction => a.kind === 'demotion');
}

export function decoded(action: AdvertiseAction): DecodedCarp {
  return decodeCarp(action.payload);
}

/** `kind` plus the interesting field of each action, for comparing action orders. */
export function summary(actions: readonly Action[]): string[] {
  return actions.map((a) => {
    switch (a.kind) {
      case 'state':
        return `state ${a.vhid} ${a.from}->${a.to} ${a.reason}`;
      case 'advertise':
        return `advertise ${a.vhid} v${a.family}${a.bowOut ? ' bow-out' : ''}`;
      case 'announce':
        return `announce ${a.vhid} ${a.occasion}`;
      case 'link':
        return `link ${a.ifname} ${a.up ? 'up' : 'down'}`;
      case 'demotion':
        return `demotion ${a.group ?? 'sysctl'} ${a.from}->${a.to} ${a.reason}`;
      case 'drop':
        return `drop ${a.reason}`;
    }
  });
}

export function nodeState(host: CarpHost, ifname = 'carp0', vhid?: number): CarpState | undefined {
  const iface = host.status().interfaces.find((i) => i.name === ifname);
  const node = vhid === undefined ? iface?.nodes[0] : iface?.nodes.find((n) => n.vhid === vhid);
  return node?.state;
}

/** Asserts that `fn` throws a CarpError with `code` and leaves the host's status unchanged. */
export function assertRefused(host: CarpHost, code: CarpErrorCode, fn: () => unknown, message?: RegExp): void {
  const before = host.status();
  const deadline = host.nextDeadline();
  const sysctls = host.listSysctls();
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CarpError, `expected CarpError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (message !== undefined) assert.match(e.message, message);
    return true;
  });
  assert.deepEqual(host.status(), before);
  assert.equal(host.nextDeadline(), deadline);
  assert.deepEqual(host.listSysctls(), sysctls);
}

export function ip(text: string): IpAddress {
  return parseIp(text);
}
