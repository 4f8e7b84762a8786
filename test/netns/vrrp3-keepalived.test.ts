/**
 * carpd's VRRPv3 mode (`carpver 3`) against real keepalived on one bridge (docs/interop.md),
 * IPv4 and IPv6, at vrrpinterval 10 (advert_int 0.1) and 100 (advert_int 1): each side MASTER
 * with the other as its BACKUP, the higher priority winning and preempting from either side, and
 * the bow-out of an orderly stop (priority 0 on the wire, the backup MASTER after its skew time),
 * and unicast advertisements (carppeer against keepalived's unicast_peer).
 * Who is MASTER is read from the wire: once settled, only one router advertises the VRID.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { netnsUnavailableReason } from '../helpers/netns';
import { Capture } from './capture';
import type { DaemonCountersDto } from '../../src/control/protocol';
import { CarpLab, SUBNET4, VIP4, VIP6 } from './carp-lab';
import { KEEPALIVED } from './keepalived';
import { VRRP_CAPTURE_ARGS, type VrrpAd, parseVrrpAds } from './vrrp-ads';
import { type VrrpGroup, type VrrpRouter, advertisingSource, carpdVrrpState, carpdVrrpWords, startCarpdVrrp, startCleanCarpd, startKeepalivedVrrp } from './vrrp-routers';

const VRID = 7;
const HIGH = 200;
const LOW = 100;
const CARPD_HOST = 'h1';
const KEEPALIVED_HOST = 'h2';
/** Timer and scheduling latency of a loaded real host on top of a protocol interval. */
const SLACK_MS = 200;

/** RFC 5798 6.1: Skew_Time and Master_Down_Interval, ms. */
const skewMs = (priority: number, intervalCs: number): number => ((256 - priority) * intervalCs * 10) / 256;
const masterDownMs = (priority: number, intervalCs: number): number => 3 * intervalCs * 10 + skewMs(priority, intervalCs);

interface Variant {
  readonly family: 4 | 6;
  readonly intervalCs: number;
  /** Preemption and election need a master-down interval per step; run them at 0.1 s only. */
  readonly preemption: boolean;
}

const VARIANTS: readonly Variant[] = [
  { family: 4, intervalCs: 10, preemption: true },
  { family: 6, intervalCs: 10, preemption: true },
  { family: 4, intervalCs: 100, preemption: false },
  { family: 6, intervalCs: 100, preemption: false },
];

type Side = 'carpd' | 'keepalived';

describe('netns: VRRPv3 interop, carpd (carpver 3) against real keepalived', function () {
  let lab: CarpLab;
  let running: VrrpRouter[] = [];

  before(async function () {
    const reason = netnsUnavailableReason() ?? (existsSync(KEEPALIVED) ? null : `needs ${KEEPALIVED} (Debian package keepalived)`);
    if (reason) return this.skip();
    lab = await CarpLab.create('vrrp3', [CARPD_HOST, KEEPALIVED_HOST]);
  });

  afterEach(async () => {
    for (const router of running) await router.stop();
    running = [];
    for (const host of lab?.hosts ?? []) await lab.stopDaemon(host);
  });

  after(async () => {
    await lab?.cleanup();
  });

  const start = async (side: Side, group: VrrpGroup): Promise<VrrpRouter> => {
    const router = side === 'carpd' ? await startCarpdVrrp(lab, CARPD_HOST, group) : await startKeepalivedVrrp(lab, KEEPALIVED_HOST, group);
    running.push(router);
    return router;
  };
  const logs = (): string => running.map((r) => `--- ${r.name}\n${r.log}`).join('\n');
  const waitState = async (router: VrrpRouter, state: string, timeoutMs: number): Promise<void> => {
    await lab.waitFor(`${router.name} ${state}\n${logs()}`, async () => (await router.state()) === state, timeoutMs);
  };
  const capture = async (): Promise<Capture> => {
    const wire = new Capture(lab, 'lan', ['-i', 'br0', ...VRRP_CAPTURE_ARGS]);
    await wire.started();
    return wire;
  };
  const adsOf = (ads: readonly VrrpAd[], source: string): VrrpAd[] => ads.filter((ad) => ad.vrid === VRID && ad.source === source);

  /**
   * Over `windowMs` both keep their states, and on the wire only `master` advertises the VRID,
   * with its priority and interval, about once per interval.
   */
  const settled = async (master: VrrpRouter, backup: VrrpRouter, group: VrrpGroup, family: 4 | 6, windowMs: number): Promise<void> => {
    const wire = await capture();
    const start = Date.now();
    await lab.holds(
      `${master.name} MASTER and ${backup.name} BACKUP`,
      async () => (await master.state()) === 'MASTER' && (await backup.state()) === 'BACKUP',
      windowMs,
    );
    const ads = parseVrrpAds(await wire.stop()).filter((ad) => ad.vrid === VRID);
    // The polls of a loaded host stretch the window: the capture ran this long.
    const capturedMs = Date.now() - start;
    const masterSource = await advertisingSource(lab, master.host, family);
    const others = ads.filter((ad) => ad.source !== masterSource);
    assert.deepEqual(others, [], `only ${master.name} (${masterSource}) advertises\n${logs()}`);
    const intervalMs = group.intervalCs * 10;
    assert.ok(
      ads.length >= (windowMs / intervalMs) * 0.7 && ads.length <= capturedMs / intervalMs + 2,
      `${ads.length} advertisements in ${capturedMs} ms, one per ${intervalMs} ms expected`,
    );
    assert.deepEqual(
      [...new Set(ads.map((ad) => `prio ${ad.priority} intvl ${ad.intervalCs}`))],
      [`prio ${group.priority} intvl ${group.intervalCs}`],
    );
  };

  /** `master` stops in order: its last advertisement has priority 0 and `backup` follows within its skew time. */
  const bowOut = async (master: VrrpRouter, backup: VrrpRouter, backupGroup: VrrpGroup, family: 4 | 6): Promise<void> => {
    const wire = await capture();
    await master.stop('SIGTERM');
    const intervalMs = backupGroup.intervalCs * 10;
    await waitState(backup, 'MASTER', masterDownMs(backupGroup.priority, backupGroup.intervalCs) + SLACK_MS);
    // A new master advertises at once and then every interval: one interval more is on the capture.
    await lab.holds(`${backup.name} MASTER`, async () => (await backup.state()) === 'MASTER', intervalMs + SLACK_MS);
    const ads = parseVrrpAds(await wire.stop());
    const [from, to] = await Promise.all([advertisingSource(lab, master.host, family), advertisingSource(lab, backup.host, family)]);
    const last = adsOf(ads, from).at(-1);
    assert.equal(last?.priority, 0, `${master.name} sent priority 0 on its way out\n${ads.map((ad) => JSON.stringify(ad)).join('\n')}`);
    const first = adsOf(ads, to).find((ad) => ad.at > (last?.at ?? 0));
    assert.ok(first, `${backup.name} advertised after the bow-out`);
    const reaction = first.at - (last?.at ?? 0);
    const skew = skewMs(backupGroup.priority, backupGroup.intervalCs);
    assert.ok(
      reaction <= skew + SLACK_MS && reaction < masterDownMs(backupGroup.priority, backupGroup.intervalCs),
      `${backup.name} advertised ${reaction.toFixed(1)} ms after the priority 0 (skew time ${skew.toFixed(1)} ms)`,
    );
  };

  for (const variant of VARIANTS) {
    const { family, intervalCs } = variant;
    const group = (priority: number): VrrpGroup => ({ vrid: VRID, priority, intervalCs, vip: family === 4 ? VIP4 : VIP6 });
    /** Long enough that a backup dropping the master's advertisements would have taken over. */
    const windowMs = Math.max(1500, masterDownMs(LOW, intervalCs) + 500);
    const aloneMs = masterDownMs(HIGH, intervalCs) + SLACK_MS + 3000;

    describe(`IPv${family}, interval ${intervalCs} cs (advert_int ${intervalCs / 100})`, () => {
      for (const [masterSide, backupSide] of [['carpd', 'keepalived'], ['keepalived', 'carpd']] as const) {
        it(`${masterSide} MASTER (prio ${HIGH}) and ${backupSide} BACKUP (prio ${LOW}) stay so; ${masterSide}'s orderly stop: priority 0, ${backupSide} MASTER within its skew time`, async () => {
          const master = await start(masterSide, group(HIGH));
          await waitState(master, 'MASTER', aloneMs);
          const backup = await start(backupSide, group(LOW));
          await waitState(backup, 'BACKUP', 5000);
          await settled(master, backup, group(HIGH), family, windowMs);
          await bowOut(master, backup, group(LOW), family);
        });
      }

      if (!variant.preemption) return;
      for (const [lowSide, highSide] of [['keepalived', 'carpd'], ['carpd', 'keepalived']] as const) {
        it(`${lowSide} MASTER alone (prio ${LOW}); ${highSide} joins with prio ${HIGH}, preempts it, and ${lowSide} stays BACKUP`, async () => {
          const low = await start(lowSide, group(LOW));
          await waitState(low, 'MASTER', masterDownMs(LOW, intervalCs) + SLACK_MS + 3000);
          const wire = await capture();
          const high = await start(highSide, group(HIGH));
          await waitState(high, 'MASTER', masterDownMs(HIGH, intervalCs) + SLACK_MS + 3000);
          await waitState(low, 'BACKUP', 5 * intervalCs * 10);
          const ads = parseVrrpAds(await wire.stop());
          const [lowSource, highSource] = await Promise.all([advertisingSource(lab, low.host, family), advertisingSource(lab, high.host, family)]);
          const takeover = adsOf(ads, highSource)[0];
          assert.ok(takeover, `${high.name} advertised`);
          // RFC 5798 6.4.3: a master hearing a higher priority becomes backup at once.
          const lateLow = adsOf(ads, lowSource).filter((ad) => ad.at > takeover.at);
          assert.ok(lateLow.length <= 1, `${low.name} advertised ${lateLow.length} times after ${high.name} took over`);
          await settled(high, low, group(HIGH), family, windowMs);
        });
      }
    });
  }

  describe('unicast: carppeer against keepalived`s unicast_peer (IPv4, 0.1 s)', () => {
    const carpdAddress = `${SUBNET4}.1`;
    const keepalivedAddress = `${SUBNET4}.2`;
    const unicast = (side: Side, priority: number): VrrpGroup => ({
      vrid: VRID,
      priority,
      intervalCs: 10,
      vip: VIP4,
      peer: side === 'carpd' ? keepalivedAddress : carpdAddress,
    });

    for (const [lowSide, highSide] of [['carpd', 'keepalived'], ['keepalived', 'carpd']] as const) {
      it(`${lowSide} MASTER alone; ${highSide} joins with a higher priority and preempts it; every advertisement goes unicast to the other`, async () => {
        const low = await start(lowSide, unicast(lowSide, LOW));
        await waitState(low, 'MASTER', masterDownMs(LOW, 10) + SLACK_MS + 3000);
        const wire = await capture();
        const high = await start(highSide, unicast(highSide, HIGH));
        await waitState(high, 'MASTER', masterDownMs(HIGH, 10) + SLACK_MS + 3000);
        await waitState(low, 'BACKUP', 5 * 100);
        await lab.holds(`${high.name} MASTER, ${low.name} BACKUP`, async () => (await high.state()) === 'MASTER' && (await low.state()) === 'BACKUP', 1500);
        const ads = parseVrrpAds(await wire.stop()).filter((ad) => ad.vrid === VRID);
        const routes = [...new Set(ads.map((ad) => `${ad.source} > ${ad.destination}`))].sort();
        assert.deepEqual(routes, [`${carpdAddress} > ${keepalivedAddress}`, `${keepalivedAddress} > ${carpdAddress}`], 'unicast both ways, nothing to 224.0.0.18');
        const [lowSource, highSource] = await Promise.all([advertisingSource(lab, low.host, 4), advertisingSource(lab, high.host, 4)]);
        const takeover = adsOf(ads, highSource)[0];
        const lateLow = adsOf(ads, lowSource).filter((ad) => ad.at > (takeover?.at ?? Infinity));
        assert.ok(lateLow.length <= 1, `${low.name} advertised ${lateLow.length} times after ${high.name} took over`);
      });
    }
  });

  describe('a CARP group and a VRRPv3 group on the same carpdev', () => {
    const CARP_VHID = 1;
    const VRRP_VIP = `${SUBNET4}.57`;
    const WATCH_MS = 4000;
    const vrrp: VrrpGroup = { vrid: VRID, priority: LOW, intervalCs: 10, vip: VRRP_VIP };

    const counters = async (host: string): Promise<DaemonCountersDto> =>
      (JSON.parse(await lab.ctl(host, '-j', 'stats')) as { counters: DaemonCountersDto }).counters;
    const nodeStats = (c: DaemonCountersDto, ifname: string) => c.interfaces.find((i) => i.name === ifname)?.nodes[0]?.stats;

    it('carpd runs CARP vhid 1 with carpd and VRRPv3 vrid 7 with keepalived on one eth0: nobody flaps, each counts only its own', async () => {
      // h1: CARP MASTER on carp0, VRRP BACKUP on carp1; h2: CARP BACKUP (carpd) and VRRP MASTER (keepalived).
      await startCleanCarpd(lab, CARPD_HOST);
      await startCleanCarpd(lab, KEEPALIVED_HOST);
      const keepalived = await startKeepalivedVrrp(lab, KEEPALIVED_HOST, { ...vrrp, priority: HIGH });
      running.push(keepalived);
      await waitState(keepalived, 'MASTER', masterDownMs(HIGH, 10) + SLACK_MS + 3000);
      await lab.configureCarp(CARPD_HOST, `vhid ${CARP_VHID} pass secret carpdev eth0 advskew 0`);
      await lab.configureCarp(KEEPALIVED_HOST, `vhid ${CARP_VHID} pass secret carpdev eth0 advskew 100`);
      await lab.ctl(CARPD_HOST, 'carp1', 'create', ...carpdVrrpWords(vrrp).split(' '));
      await lab.net.exec(CARPD_HOST, 'ip', ['addr', 'add', `${VRRP_VIP}/24`, 'dev', 'carp1']);
      await lab.waitState(CARPD_HOST, 'MASTER');
      await lab.waitState(KEEPALIVED_HOST, 'BACKUP');
      await lab.waitFor('carp1 on h1 BACKUP', async () => (await carpdVrrpState(lab, CARPD_HOST, 'carp1')) === 'BACKUP', 5000);

      const before = await Promise.all([CARPD_HOST, KEEPALIVED_HOST].map(counters));
      const start = Date.now();
      const transitions = keepalived.transitions;
      const wire = await capture();
      await lab.holds(
        'h1 carp0 MASTER, carp1 BACKUP; h2 carp0 BACKUP; keepalived MASTER',
        async () =>
          (await lab.state(CARPD_HOST)) === 'MASTER' &&
          (await carpdVrrpState(lab, CARPD_HOST, 'carp1')) === 'BACKUP' &&
          (await lab.state(KEEPALIVED_HOST)) === 'BACKUP' &&
          (await keepalived.state()) === 'MASTER',
        WATCH_MS,
      );
      const ads = parseVrrpAds(await wire.stop());
      const after = await Promise.all([CARPD_HOST, KEEPALIVED_HOST].map(counters));
      // The polls of a loaded host stretch the window: the counters moved over this long.
      const countedMs = Date.now() - start;
      assert.equal(keepalived.transitions, transitions, `keepalived changed state\n${keepalived.log}`);
      assert.deepEqual([...new Set(ads.map((ad) => `${ad.source} vrid ${ad.vrid}`))], [`${SUBNET4}.2 vrid ${VRID}`], 'only keepalived advertises VRRP');

      const [h1Before, h2Before] = before as [DaemonCountersDto, DaemonCountersDto];
      const [h1After, h2After] = after as [DaemonCountersDto, DaemonCountersDto];
      for (const [host, was, is, ifnames] of [
        ['h1', h1Before, h1After, ['carp0', 'carp1']],
        ['h2', h2Before, h2After, ['carp0']],
      ] as const) {
        for (const ifname of ifnames) {
          const [then, now] = [nodeStats(was, ifname), nodeStats(is, ifname)];
          assert.deepEqual([now?.toMaster, now?.toBackup], [then?.toMaster, then?.toBackup], `${host} ${ifname} changed state`);
          assert.equal(now?.badauth, 0, `${host} ${ifname}: bad auth`);
        }
        const protocol = (c: DaemonCountersDto) => c.carpdevs.find((d) => d.name === 'eth0')?.protocol;
        for (const key of ['hdrops', 'badsum', 'badver'] as const) {
          assert.equal((protocol(is)?.[key] ?? NaN) - (protocol(was)?.[key] ?? NaN), 0, `${host}: eth0 counted ${key}`);
        }
      }
      // h2 hears h1's CARP advertisements once a second, h1's carp1 keepalived's every 0.1 s.
      const accepted = (was: DaemonCountersDto, is: DaemonCountersDto, ifname: string): number =>
        (nodeStats(is, ifname)?.accepted ?? NaN) - (nodeStats(was, ifname)?.accepted ?? NaN);
      const carp = accepted(h2Before, h2After, 'carp0');
      assert.ok(carp >= WATCH_MS / 1000 - 1 && carp <= countedMs / 1000 + 2, `h2 carp0 accepted ${carp} CARP advertisements in ${countedMs} ms`);
      const vrrpAccepted = accepted(h1Before, h1After, 'carp1');
      assert.ok(
        vrrpAccepted >= (WATCH_MS / 100) * 0.7 && vrrpAccepted <= countedMs / 100 + 5,
        `h1 carp1 accepted ${vrrpAccepted} VRRP advertisements in ${countedMs} ms`,
      );
    });
  });
});
