/**
 * The measurement schedule. Each round runs every test on both paths back to back, and the order
 * of the two paths alternates from round to round, so a slow drift of the shared machine's load
 * hits both paths alike and neither always goes first.
 */
import type { BenchOptions } from './options';
import { CpuMeter, type CpuUse } from './cpu';
import { type TcpResult, type UdpResult, measureTcp, measureUdp } from './iperf';
import { CLIENT, type DataplaneLab, PATH_NAMES, type PathName } from './lab';
import { type PingResult, measurePing } from './ping';

export interface RunRecord<T> {
  readonly round: number;
  readonly path: PathName;
  readonly result: T;
  readonly cpu: CpuUse;
  /** Frames that crossed carp0 during the run: which path the traffic really took. */
  readonly carpFrames: number;
  /** Frames lost at the relay's input during the run (its packet socket was full). */
  readonly relayInputDrops: number;
  /** Datagrams lost at the server's full UDP socket during the run, on either path. */
  readonly udpReceiveBufferDrops: number;
}

export interface Runs {
  readonly tcp: RunRecord<TcpResult>[];
  readonly udp: RunRecord<UdpResult>[];
  readonly ping: RunRecord<PingResult>[];
}

/**
 * A direct run may still see an ARP exchange for the VIP on carp0 (two frames each); anything
 * beyond a few means the direct traffic went through the relay and the comparison is void.
 */
const STRAY_FRAMES_ALLOWED = 10;

export async function runRounds(lab: DataplaneLab, options: BenchOptions, progress: (line: string) => void): Promise<Runs> {
  const runs: Runs = { tcp: [], udp: [], ping: [] };
  const meter = new CpuMeter(lab.daemonPid());
  const measure = async <T>(round: number, path: PathName, work: () => Promise<T>): Promise<RunRecord<T>> => {
    const before = await lab.counters();
    const { result, cpu } = await meter.around(work);
    const after = await lab.counters();
    const carpFrames = after.carpFrames - before.carpFrames;
    checkPathTaken(path, carpFrames);
    return {
      round,
      path,
      result,
      cpu,
      carpFrames,
      relayInputDrops: after.relayInputDrops - before.relayInputDrops,
      udpReceiveBufferDrops: after.udpReceiveBufferDrops - before.udpReceiveBufferDrops,
    };
  };
  for (let round = 1; round <= options.rounds; round++) {
    const order = round % 2 === 1 ? PATH_NAMES : [...PATH_NAMES].reverse();
    for (const congestion of options.congestion) {
      for (const path of order) {
        const run = await measure(round, path, () => measureTcp(lab.carpLab.net, CLIENT, lab.paths[path].iperf, options.seconds, congestion));
        runs.tcp.push(run);
        progress(`round ${round} tcp ${congestion} ${path}: ${run.result.gbitPerSecond.toFixed(2)} Gbit/s`);
      }
    }
    for (const path of order) {
      const run = await measure(round, path, () => measureUdp(lab.carpLab.net, CLIENT, lab.paths[path].iperf, options.seconds));
      runs.udp.push(run);
      progress(`round ${round} udp ${path}: ${Math.round(run.result.receivedPerSecond)} datagrams/s received`);
    }
    for (const path of order) {
      const run = await measure(round, path, () => measurePing(lab.carpLab.net, CLIENT, lab.paths[path].pingTarget, options.pings, options.pingInterval));
      runs.ping.push(run);
      progress(`round ${round} ping ${path}: p50 ${run.result.p50Ms.toFixed(3)} ms`);
    }
  }
  return runs;
}

function checkPathTaken(path: PathName, carpFrames: number): void {
  if (path === 'carp' && carpFrames === 0) throw new Error('a run to the VIP moved no frame through carp0: the relay was bypassed');
  if (path === 'direct' && carpFrames > STRAY_FRAMES_ALLOWED) {
    throw new Error(`a run to the host's own address moved ${carpFrames} frames through carp0: it was not the direct path`);
  }
}
