/**
 * The hosts the receive path is fuzzed against: each a CarpHost with running interfaces, in a
 * state worth reaching (BACKUP, MASTER, preempting, allow = 0, carpnodes with balancing beside an
 * interface that is down). All use passphrase "secret" and cookies 01.., 02.., 03.. (countingRandom).
 */
import { CarpHost } from '../../src/carp/host';
import type { Millis } from '../../src/carp/types';
import { becomeMaster, countingRandom, runningHost } from '../carp/helpers';
import { VIP4, VIP6, bringUp } from '../sim/setup';

export interface FuzzedHost {
  readonly host: CarpHost;
  /** When packets arrive: after the set-up, before any timer is due. */
  readonly now: Millis;
}

function carpnodesBesideADownInterface(): CarpHost {
  const host = new CarpHost({ random: countingRandom() });
  host.setCarpdevRunning('eth0', true, 0);
  bringUp(host, { carpnodes: '1:0,2:100', balancing: 'ip', addresses: [VIP4, VIP6] }, 0);
  bringUp(host, { ifname: 'carp1', vhid: 3, addresses: ['192.0.2.1'] }, 0);
  host.setAdminUp('carp1', false, 0);
  return host;
}

function asMaster(host: CarpHost): CarpHost {
  becomeMaster(host);
  return host;
}

const SETUPS: Readonly<Record<string, () => CarpHost>> = {
  backup: () => runningHost({ addresses: [VIP4, VIP6], advskew: 100 }),
  master: () => asMaster(runningHost({ addresses: [VIP4, VIP6] })),
  'master, IPv4 only, advbase 0': () => asMaster(runningHost({ advbase: 0 })),
  'backup, preempt': () => runningHost({ addresses: [VIP4, VIP6], advskew: 50, sysctls: [['net.inet.carp.preempt', '1']] }),
  'allow 0': () => runningHost({ sysctls: [['net.inet.carp.allow', '0']] }),
  'carpnodes, balancing ip': carpnodesBesideADownInterface,
};

export const SETUP_NAMES = Object.keys(SETUPS);

/** A fresh host of the named set-up, with the time packets may arrive at. */
export function makeHost(setup: string): FuzzedHost {
  const make = SETUPS[setup];
  if (make === undefined) throw new Error(`no fuzzed host "${setup}"`);
  const host = make();
  // 1 ms before the first timer (an advertisement or master-down), so after every set-up step;
  // a host without timers (allow 0) may take packets at any time.
  return { host, now: (host.nextDeadline() ?? 1001) - 1 };
}
