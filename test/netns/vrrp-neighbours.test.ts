/**
 * keepalived beside a CARP pair on one segment (docs/interop.md): VRRPv2 and VRRPv3 routers use IP
 * protocol 112 and 224.0.0.18 too, with VRIDs other than the pair's vhid. carpd counts their
 * advertisements as VRRP and nothing else, neither side changes state, and keepalived keeps its
 * own master and backup through our advertisements.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { DaemonCountersDto } from '../../src/control/protocol';
import { netnsUnavailableReason } from '../helpers/netns';
import { CarpLab, SUBNET4 } from './carp-lab';
import { KEEPALIVED, Keepalived, type VrrpInstance } from './keepalived';

const VHID = 1;
/** Seconds both kinds of router advertise side by side while the test watches. */
const WATCH_MS = 8000;
const instances = (priority: number): VrrpInstance[] => [
  { name: 'VI_V2', version: 2, vrid: 51, priority, vip: `${SUBNET4}.151` },
  { name: 'VI_V3', version: 3, vrid: 52, priority, vip: `${SUBNET4}.152` },
];

describe('netns: keepalived (VRRPv2 and VRRPv3) on the segment of a CARP pair', function () {
  this.timeout(60_000);
  let lab: CarpLab;
  const routers: Keepalived[] = [];

  before(async function () {
    if (netnsUnavailableReason() || !existsSync(KEEPALIVED)) return this.skip();
    lab = await CarpLab.create('vrrp');
    for (const [i, host] of ['k1', 'k2'].entries()) {
      await lab.net.addNamespace(host);
      await lab.net.plug(host, 'eth0', 'lan', 'br0', `02:77:00:00:00:1${i}`);
      await lab.net.sh(host, `ip addr add ${SUBNET4}.1${i + 1}/24 dev eth0`);
    }
    await lab.startDaemon('h1');
    await lab.startDaemon('h2');
    await lab.configureCarp('h1', `vhid ${VHID} pass secret carpdev eth0 advskew 0`);
    await lab.configureCarp('h2', `vhid ${VHID} pass secret carpdev eth0 advskew 100`);
    routers.push(await Keepalived.start(lab, 'k1', instances(150)), await Keepalived.start(lab, 'k2', instances(100)));
    await lab.waitState('h1', 'MASTER');
    await lab.waitState('h2', 'BACKUP');
    const [k1, k2] = routers as [Keepalived, Keepalived];
    await lab.waitFor(
      'keepalived on k1 MASTER and on k2 BACKUP',
      () => Promise.resolve(['VI_V2', 'VI_V3'].every((n) => k1.state(n) === 'MASTER' && k2.state(n) === 'BACKUP')),
      15_000,
    );
  });

  after(async () => {
    await lab?.cleanup();
  });

  const counters = async (host: string): Promise<DaemonCountersDto> =>
    (JSON.parse(await lab.ctl(host, '-j', 'stats')) as { counters: DaemonCountersDto }).counters;

  it('carpd counts VRRP as vrrp and changes nothing; keepalived keeps its states', async () => {
    const [k1, k2] = routers as [Keepalived, Keepalived];
    const transitions = [k1.transitions, k2.transitions];
    const before = await Promise.all(['h1', 'h2'].map(counters));
    await lab.holds(
      'h1 MASTER and h2 BACKUP',
      async () => (await lab.state('h1')) === 'MASTER' && (await lab.state('h2')) === 'BACKUP',
      WATCH_MS,
    );
    for (const [i, host] of ['h1', 'h2'].entries()) {
      const after = await counters(host);
      const delta = (pick: (c: DaemonCountersDto) => number): number => pick(after) - pick(before[i] as DaemonCountersDto);
      const carpdev = (key: 'vrrp' | 'hdrops' | 'badsum' | 'badver' | 'badvhid') => (c: DaemonCountersDto): number =>
        c.carpdevs.find((d) => d.name === 'eth0')?.protocol[key] ?? NaN;
      // The VRRP master sends one advertisement per instance and second; the backup sends none.
      const seen = delta(carpdev('vrrp'));
      assert.ok(seen >= 2 * (WATCH_MS / 1000 - 1) && seen <= 2 * (WATCH_MS / 1000 + 1), `${host}: ${seen} counted as vrrp`);
      for (const key of ['hdrops', 'badsum', 'badver', 'badvhid'] as const) assert.equal(delta(carpdev(key)), 0, `${host}: VRRP counted as ${key}`);
      const node = (c: DaemonCountersDto) => c.interfaces[0]?.nodes[0]?.stats;
      assert.deepEqual(
        [node(after)?.toMaster, node(after)?.toBackup, node(after)?.badauth],
        [node(before[i] as DaemonCountersDto)?.toMaster, node(before[i] as DaemonCountersDto)?.toBackup, 0],
        `${host}: a VRRP advertisement reached the virtual host`,
      );
      assert.match(await lab.ctl(host, 'carp0', 'stats'), /\t[1-9]\d* discarded: VRRP advertisements \(VRRPv2, VRRPv3\), not CARP\n/);
    }
    assert.deepEqual([k1.transitions, k2.transitions], transitions, `keepalived changed state:\n${k1.log}\n${k2.log}`);
    assert.ok(k1.running && k2.running, `${k1.log}\n${k2.log}`);
  });
});
