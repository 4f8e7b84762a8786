import assert from 'node:assert/strict';
import type { BalancingHostCounters } from '../../bench/balancing-counters';
import type { Layout } from '../../bench/balancing-lab';
import type { BalancingRun } from '../../bench/balancing-rounds';
import { summarizeBalancing } from '../../bench/balancing-summary';
import type { FlowResult } from '../../bench/flows';

const flow = (gbit: number): FlowResult => ({
  congestion: 'cubic',
  gbitPerSecond: gbit,
  retransmits: 0,
  source: '10.77.0.101',
  clientPercentOfCore: 5,
  serverPercentOfCore: 10,
});

const host = (carpBytesIn: number, framesIn: number, droppedByHash: number): BalancingHostCounters => ({
  carpBytesIn,
  framesIn,
  droppedByHash,
  framesOut: 0,
  relayInputDrops: 0,
  transitions: 0,
});

/** A 2-second run of two flows; carpd CPU in percent of one core per host. */
function run(round: number, layout: Layout, flows: [number, number], carpd: [number, number], bytes: [number, number]): BalancingRun {
  const frames = (b: number): number => b / 1000;
  return {
    round,
    layout,
    congestion: 'cubic',
    repeatedAfter: round === 3 && layout === 'two' ? ['flow reset'] : [],
    flows: flows.map(flow),
    gbitPerSecond: flows[0] + flows[1],
    hosts:
      layout === 'one'
        ? { h1: host(bytes[0] + bytes[1], frames(bytes[0] + bytes[1]), 0), h2: host(0, 0, 0) }
        : { h1: host(bytes[0], frames(bytes[0]), frames(bytes[1])), h2: host(bytes[1], frames(bytes[1]), frames(bytes[0])) },
    cpu: {
      wallSeconds: 2,
      processes: { h1: carpd[0], h2: carpd[1], ksoftirqd: 4 },
      machine: { user: 60, system: 100, softirq: 2, steal: 0, idle: 38 },
    },
    busyBeforePercentOfCore: 12,
  };
}

describe('bench/balancing-summary', () => {
  const runs = [
    run(1, 'one', [5, 5], [80, 0], [3e9, 3e9]),
    run(1, 'two', [6, 6], [50, 50], [3e9, 1e9]),
    // Someone else's load on round 2's one-host run: its ratio is the outlier the median drops.
    run(2, 'two', [7, 7], [50, 50], [2e9, 2e9]),
    run(2, 'one', [2, 2], [80, 0], [3e9, 3e9]),
    run(3, 'one', [5, 5], [80, 0], [3e9, 3e9]),
    run(3, 'two', [7, 7], [50, 50], [1e9, 3e9]),
  ];
  const [summary] = summarizeBalancing(runs).byCongestion;

  it('reports the median of per-round ratios, two hosts over one, with their range', () => {
    assert.ok(summary);
    assert.equal(summary.ratio, 1.4);
    assert.equal(summary.ratioMin, 1.2);
    assert.equal(summary.ratioMax, 3.5);
    assert.deepEqual(summary.gbitPerSecond, { one: 10, two: 14 });
    assert.equal(summary.goalMet, false);
    assert.equal(summary.repeatedRuns, 1);
  });

  it("gives each host's share of the bytes and of the frames it read for the other host", () => {
    assert.ok(summary);
    assert.equal(summary.h1ShareOfBytes, 0.5);
    assert.deepEqual(summary.droppedByHashShare, { h1: 0.5, h2: 0.5 });
  });

  it('splits the CPU: daemons, iperf3 clients and servers, ksoftirqd, the rest', () => {
    assert.ok(summary);
    const { one, two } = summary.cpu;
    assert.deepEqual(one.carpd, { h1: 80, h2: 0 });
    assert.deepEqual([two.iperfClients, two.iperfServers, two.ksoftirqd, two.idle, two.busyBefore], [10, 20, 4, 38, 12]);
    // busy 162 = 100 (carpds) + 10 + 20 + 4 + 28
    assert.equal(two.other, 28);
    assert.deepEqual(summary.daemonPercentPerGbit, { one: 8, two: 100 / 14 });
    // The lab used 80 + 10 + 20 + 4 = 114% with one host, 134% with two.
    assert.deepEqual(summary.gbitPerLabCore, { one: 1000 / 114, two: 1400 / 134 });
    // Per round 2 x 8 / (100 / 12), 2 x 20 / (100 / 14), 2 x 8 / (100 / 14): the median is 2.24.
    assert.ok(Math.abs(summary.relayBoundRatio - 2.24) < 1e-9);
  });

  it("prices a frame at carpd's CPU time over the frames it read and sent", () => {
    assert.ok(summary);
    // One host: 0.8 core-s/s x 2 s over 6e6 frames; two hosts: 1 core-s over 4e6 frames.
    assert.ok(Math.abs(summary.daemonNsPerFrame.one - (1.6e9 / 6e6)) < 1e-6);
    assert.ok(Math.abs(summary.daemonNsPerFrame.two - 1e9 / 4e6) < 1e-6);
  });

  it('refuses to compare when a round lacks one of the layouts', () => {
    assert.throws(() => summarizeBalancing(runs.filter((r) => !(r.round === 2 && r.layout === 'one'))), /round 2 lacks a run in one of the layouts/);
  });
});
