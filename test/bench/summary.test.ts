import assert from 'node:assert/strict';
import type { TcpResult, UdpResult } from '../../bench/iperf';
import type { PathName } from '../../bench/lab';
import type { PingResult } from '../../bench/ping';
import type { RunRecord, Runs } from '../../bench/rounds';
import { summarize } from '../../bench/summary';

function record<T>(round: number, path: PathName, result: T, udpReceiveBufferDrops = 0): RunRecord<T> {
  return {
    round,
    path,
    result,
    cpu: { daemonPercentOfCore: path === 'carp' ? 60 : 0, machineBusyPercent: 50 },
    carpFrames: path === 'carp' ? 1000 : 0,
    relayInputDrops: 0,
    udpReceiveBufferDrops,
  };
}

const tcp = (congestion: string, gbit: number): TcpResult => ({ congestion, gbitPerSecond: gbit, retransmits: 0 });
const udp = (received: number): UdpResult => ({ sentPerSecond: 500, receivedPerSecond: received });
/** Runs of 2 s: socket drops are counts, so 100 dropped is 50 per second. */
const SECONDS = 2;
const ping = (p50Ms: number): PingResult => ({ sent: 10, replies: 10, p50Ms, p99Ms: p50Ms * 2 });

interface Round {
  cubic: [number, number];
  bbr: [number, number];
  udp: [number, number];
  /** Datagrams dropped at the server's full socket during the carp run. */
  udpDropped: number;
  ping: [number, number];
}

function runsOf(rounds: Round[]): Runs {
  const runs: Runs = { tcp: [], udp: [], ping: [] };
  rounds.forEach((r, i) => {
    const round = i + 1;
    runs.tcp.push(record(round, 'direct', tcp('cubic', r.cubic[0])), record(round, 'carp', tcp('cubic', r.cubic[1])));
    runs.tcp.push(record(round, 'direct', tcp('bbr', r.bbr[0])), record(round, 'carp', tcp('bbr', r.bbr[1])));
    runs.udp.push(record(round, 'direct', udp(r.udp[0])), record(round, 'carp', udp(r.udp[1]), r.udpDropped));
    runs.ping.push(record(round, 'direct', ping(r.ping[0])), record(round, 'carp', ping(r.ping[1])));
  });
  return runs;
}

describe('bench/summary', () => {
  const runs = runsOf([
    { cubic: [10, 9], bbr: [16, 10], udp: [400, 100], udpDropped: 200, ping: [0.02, 0.1] },
    // A burst of someone else's load on one round: the per-round median discards it.
    { cubic: [30, 9], bbr: [16, 4], udp: [400, 100], udpDropped: 0, ping: [0.02, 0.9] },
    { cubic: [10, 10], bbr: [16, 12], udp: [400, 120], udpDropped: 200, ping: [0.02, 0.11] },
  ]);
  const summary = summarize(runs, SECONDS);

  it('summarizes TCP per congestion control, as the median of per-round ratios', () => {
    assert.deepEqual(
      summary.tcp.map((t) => [t.congestion, t.ratio, t.gbitPerSecond.direct, t.gbitPerSecond.carp]),
      [
        ['cubic', 0.9, 10, 9],
        ['bbr', 0.625, 16, 10],
      ],
    );
  });

  it('states each goal with its target and whether it is met', () => {
    assert.deepEqual(
      summary.goals.map((g) => [g.what, g.target, g.met]),
      [
        ['TCP throughput (cubic), carp / direct', '>= 0.85', true],
        ['TCP throughput (bbr), carp / direct', '>= 0.85', false],
        ['64-byte UDP datagrams/s reaching the host, carp / direct', '>= 0.5', true],
        ['added RTT p50, carp - direct (ms)', '< 0.15', true],
      ],
    );
    // Reaching the host counts what the application read plus what its full socket dropped.
    assert.equal(summary.udp.ratio, 0.5);
    assert.equal(summary.udp.receivedRatio, 0.25);
    assert.deepEqual(summary.udp.reachedPerSecond, { direct: 400, carp: 200 });
    assert.ok(Math.abs(summary.ping.addedP50Ms - 0.09) < 1e-9);
  });

  it('refuses to compare when a round lacks one of the paths', () => {
    const broken: Runs = { ...runs, udp: runs.udp.filter((r) => !(r.round === 2 && r.path === 'carp')) };
    assert.throws(() => summarize(broken, SECONDS), /round 2 lacks a run on one of the paths/);
  });
});
