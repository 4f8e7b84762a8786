/** Helpers for scenario tests on the simulated LAN: a LAN with a fixed delay, readable traces. */
import assert from 'node:assert/strict';
import { SimLan } from './lan';

/** The delivery delay of scenario LANs, in ms. */
export const DELAY = 1;

/** A LAN where every packet takes exactly DELAY ms. */
export function newLan(seed = 1): SimLan {
  const lan = new SimLan({ seed });
  lan.conditions.delay = { min: DELAY, max: DELAY };
  return lan;
}

/** "time host ifname/vhid FROM->TO reason" for every state change after `since`. */
export function transitions(lan: SimLan, since = -1): string[] {
  return lan
    .stateChanges()
    .filter((e) => e.at > since)
    .map((e) => `${e.at} ${e.host} ${e.action.ifname}/${e.action.vhid} ${e.action.from}->${e.action.to} ${e.action.reason}`);
}

/** When a host last advertised (a time), before `until`. */
export function lastAdvertisement(lan: SimLan, host: string, until: number): number {
  const times = lan.advertisements(host).filter((e) => e.at <= until).map((e) => e.at);
  const last = times[times.length - 1];
  assert.ok(last !== undefined, `${host} never advertised`);
  return last;
}
