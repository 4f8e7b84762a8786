/**
 * Fuzz target (b): the whole receive path of a running host, `CarpHost.receive`. Whatever the
 * packet, receive must not throw. A packet that fails a guard must change nothing but counters —
 * states, timers, peers, sysctls as before — and count exactly one drop reason by one, reported by
 * at most one drop action with that reason (badvhid and vrrp are counted without one). A packet
 * that passes every guard counts as accepted and under no drop reason.
 */
import assert from 'node:assert/strict';
import type { CarpHost } from '../../src/carp/host';
import type { Action, HostStatus, ReceivedAdvertisement } from '../../src/carp/types';
import { type FuzzedHost, makeHost } from './fuzzed-hosts';

const CARPDEV_DROPS = ['hdrops', 'badsum', 'badver', 'badvhid', 'disallowed', 'vrrp'] as const;
const NODE_DROPS = ['badttl', 'badpeer', 'badauth', 'loop', 'replay'] as const;
/** Counted for every packet that gets that far, valid or not. */
const ARRIVALS = new Set(['ipackets', 'ipackets6']);
/** Drops counted without a drop action: other clusters' vhids and VRRP routers are normal traffic. */
const SILENT_DROPS = new Set(['badvhid', 'vrrp']);

/** Every counter of the host by a unique name ("carpdev eth0 badsum", "carp0 vhid 1 accepted"). */
function counters(status: HostStatus): Map<string, number> {
  const all = new Map<string, number>();
  for (const { name, stats } of status.carpdevs) {
    for (const [key, value] of Object.entries(stats)) all.set(`carpdev ${name} ${key}`, value);
  }
  for (const iface of status.interfaces) {
    for (const node of iface.nodes) {
      for (const [key, value] of Object.entries(node.stats)) all.set(`${iface.name} vhid ${node.vhid} ${key}`, value);
    }
  }
  return all;
}

/** The counter names that grew, with how much. */
function grown(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, value] of after) {
    const delta = value - (before.get(name) ?? 0);
    if (delta !== 0) out.set(name, delta);
  }
  return out;
}

/** Everything a dropped packet must leave alone: the status without its counters, timers, sysctls. */
function stateOf(host: CarpHost): unknown {
  const status = host.status();
  return {
    interfaces: status.interfaces.map((i) => ({ ...i, nodes: i.nodes.map(({ stats: _, ...node }) => node) })),
    groups: status.groups,
    carpdevs: status.carpdevs.map((d) => d.name),
    deadline: host.nextDeadline(),
    sysctls: host.listSysctls(),
  };
}

const reasonOf = (counter: string): string => counter.slice(counter.lastIndexOf(' ') + 1);

function checkDropped(changed: Map<string, number>, actions: readonly Action[]): string {
  const drops = [...changed].filter(([name]) => !ARRIVALS.has(reasonOf(name)));
  assert.equal(drops.length, 1, `a dropped packet counted under ${drops.length} reasons: ${JSON.stringify([...changed])}`);
  const [[counter, by]] = drops as [[string, number]];
  const reason = reasonOf(counter);
  assert.ok(([...CARPDEV_DROPS, ...NODE_DROPS] as readonly string[]).includes(reason), `${counter} is not a drop reason`);
  assert.equal(by, 1, `${counter} grew by ${by}`);
  assert.ok(actions.every((a) => a.kind === 'drop'), `a dropped packet caused ${actions.map((a) => a.kind).join(', ')}`);
  const expected = SILENT_DROPS.has(reason) ? [] : [reason];
  assert.deepEqual(actions.map((a) => (a.kind === 'drop' ? a.reason : a.kind)), expected);
  return reason;
}

function checkAccepted(changed: Map<string, number>): string {
  const drops = [...changed.keys()].filter((name) => ([...CARPDEV_DROPS, ...NODE_DROPS] as readonly string[]).includes(reasonOf(name)));
  assert.deepEqual(drops, [], 'an accepted packet was also counted as dropped');
  assert.equal([...changed].filter(([name, by]) => reasonOf(name) === 'accepted' && by === 1).length, 1);
  return 'accepted';
}

/**
 * Hosts by set-up, kept between inputs: a dropped packet leaves its host as it was, which is what
 * the target checks, so only an accepted one (which may change the state) costs a fresh host.
 */
export class ReceiveTarget {
  private readonly hosts = new Map<string, FuzzedHost>();

  /** Feeds `packet` to the host of `setup`; returns the outcome (a drop reason or "accepted"). */
  feed(setup: string, packet: ReceivedAdvertisement): string {
    let fuzzed = this.hosts.get(setup);
    if (fuzzed === undefined) {
      fuzzed = makeHost(setup);
      this.hosts.set(setup, fuzzed);
    }
    const { host, now } = fuzzed;
    const state = stateOf(host);
    const before = counters(host.status());
    const actions = host.receive(packet, now);
    const changed = grown(before, counters(host.status()));
    if ([...changed.keys()].some((name) => reasonOf(name) === 'accepted')) {
      this.hosts.delete(setup);
      return checkAccepted(changed);
    }
    const reason = checkDropped(changed, actions);
    assert.deepEqual(stateOf(host), state, `a packet dropped as ${reason} changed the host`);
    return reason;
  }
}
