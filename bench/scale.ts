/**
 * The scale case: one carpd with many vhids, as MASTER of all of them on h1 and as BACKUP of all
 * of them on h2, against ucarp doing the same with one process per vhid (its only model) in the
 * same run (docs/benchmarks.md, "Scale"). Measured: the time until every vhid is elected, then
 * CPU (user + system) and resident memory over a quiet span.
 */
import { CarpLab } from '../test/netns/carp-lab';
import { Ucarp } from '../test/netns/ucarp';
import type { InterfaceStatusDto } from '../src/control/protocol';
import { CpuSplitMeter } from './cpu';
import { MemorySampler, type MemorySpread } from './memory-sampler';
import { type HostInfo, describeHost } from './machine';
import { runRecord } from './results';
import type { BenchOptions } from './options';
import { withLab } from './open-labs';
import { sleep } from '../test/helpers/poll';

export interface ScaleSide {
  /** Seconds from starting the daemon(s) until every vhid is in its state. */
  readonly electedSeconds: number;
  /** user + system over the quiet span, percent of one core. */
  readonly cpuPercentOfCore: number;
  /** VmRSS at the end of the quiet span, summed over the processes. */
  readonly residentMegabytes: number;
  /** VmRSS, RssAnon and RssFile sampled every second over the quiet span (summed over the processes). */
  readonly memory: MemorySpread;
  readonly processes: number;
}

export interface ScaleResults {
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: HostInfo;
  readonly loadAverageAtEnd: number;
  readonly options: BenchOptions;
  readonly carpd: { readonly master: ScaleSide; readonly backup: ScaleSide };
  readonly ucarp: { readonly master: ScaleSide; readonly backup: ScaleSide } | null;
}

const MASTER_HOST = 'h1';
const BACKUP_HOST = 'h2';
const PASS = 'scale';
const BACKUP_SKEW = 100;
/** Time for everything to be elected: carpd boots its files one by one; ucarp starts a process each. */
const ELECTION_LIMIT_MS = 900_000;
/** RSS swings with V8's collector within seconds: sampled this often over the quiet span. */
const MEMORY_SAMPLE_MS = 1000;

/**
 * What carp.conf(5) files hold: vhids 1 ... `vhids` on each carpdev eth<k>, as carp<k * 255 + vhid - 1>
 * with address 10.<78 + 2k>.<vhid>.1 (eth0: 10.78.<vhid>.1).
 */
function configFiles(vhids: number, carpdevs: number, advskew: number, fastpath: boolean): Record<string, string> {
  // With preemption, h1 takes back a vhid that h2 took while h1 was briefly demoted (a loop stall
  // on a loaded machine), so the quiet span is measured with h1 MASTER of every vhid.
  const files: Record<string, string> = { 'sysctl.conf': `net.inet.carp.preempt=1\nnet.inet.carp.fastpath=${fastpath ? 1 : 0}\n` };
  for (let k = 0; k < carpdevs; k++) {
    for (let vhid = 1; vhid <= vhids; vhid++) {
      files[`carp${k * 255 + vhid - 1}.conf`] = `vhid ${vhid} advskew ${advskew} pass ${PASS} carpdev eth${k}\ninet 10.${78 + 2 * k}.${vhid}.1/24\n`;
    }
  }
  return files;
}

/**
 * The carpdevs after eth0 (on the LAN): eth<k> is a veth pair straight from h1 to h2, 10.79.<k>.1
 * and .2, so that each carpdev is its own segment, as a vhid is unique per segment.
 */
async function addCarpdevs(lab: CarpLab, carpdevs: number): Promise<void> {
  for (let k = 1; k < carpdevs; k++) {
    await lab.net.exec(MASTER_HOST, 'ip', ['link', 'add', `eth${k}`, 'type', 'veth', 'peer', 'name', `eth${k}`, 'netns', lab.net.ns(BACKUP_HOST)]);
    for (const [host, n] of [[MASTER_HOST, 1], [BACKUP_HOST, 2]] as const) {
      await lab.net.sh(host, `ip addr add 10.79.${k}.${n}/24 dev eth${k} && ip link set eth${k} up`);
    }
  }
}

export async function runScale(options: BenchOptions, progress: (line: string) => void): Promise<ScaleResults> {
  const startedAt = new Date().toISOString();
  const machine = describeHost();
  const carpd = await withLab(() => CarpLab.create('scale'), async (lab) => {
    await addCarpdevs(lab, options.carpdevs);
    return measureCarpd(lab, options, progress);
  });
  // ucarp's lab has the one carpdev: one process per vhid on eth0.
  const ucarp = options.contenders.includes('ucarp') && options.carpdevs === 1 ? await withLab(() => CarpLab.create('scaleu'), (lab) => measureUcarp(lab, options, progress)) : null;
  return { ...runRecord(startedAt, machine, options), carpd, ucarp };
}

async function measureCarpd(lab: CarpLab, options: BenchOptions, progress: (line: string) => void): Promise<{ master: ScaleSide; backup: ScaleSide }> {
  const total = options.vhids * options.carpdevs;
  const electedIn = async (host: string, advskew: number, state: 'MASTER' | 'BACKUP'): Promise<number> => {
    const start = performance.now();
    await lab.startDaemon(host, {
      config: configFiles(options.vhids, options.carpdevs, advskew, options.fastpath),
      readyTimeoutMs: ELECTION_LIMIT_MS,
      unitEnvironment: options.memorySettings === 'unit',
    });
    await lab.waitFor(`${total} ${state}s on ${host}`, async () => {
      const { interfaces } = JSON.parse(await lab.ctl(host, '-j')) as { interfaces: InterfaceStatusDto[] };
      return interfaces.length === total && interfaces.every((i) => i.nodes[0]?.state === state);
    }, ELECTION_LIMIT_MS);
    return (performance.now() - start) / 1000;
  };
  const masterElected = await electedIn(MASTER_HOST, 0, 'MASTER');
  progress(`scale: carpd MASTER of ${total} vhids after ${masterElected.toFixed(1)} s`);
  const backupElected = await electedIn(BACKUP_HOST, BACKUP_SKEW, 'BACKUP');
  progress(`scale: carpd BACKUP of ${total} vhids after ${backupElected.toFixed(1)} s`);
  const pids = { master: [daemonPid(lab, MASTER_HOST)], backup: [daemonPid(lab, BACKUP_HOST)] };
  const sides = await quietSpan(pids, options);
  return {
    master: { electedSeconds: masterElected, ...sides.master },
    backup: { electedSeconds: backupElected, ...sides.backup },
  };
}

/** ucarp has one vhid and one address per process: `vhids` processes on each host. */
async function measureUcarp(lab: CarpLab, options: BenchOptions, progress: (line: string) => void): Promise<{ master: ScaleSide; backup: ScaleSide }> {
  const start = async (host: string, advskew: number, srcip: string): Promise<Ucarp[]> => {
    const daemons: Ucarp[] = [];
    for (let vhid = 1; vhid <= options.vhids; vhid++) daemons.push(await Ucarp.start(lab, host, { vhid, pass: PASS, advskew, srcip, vip: `10.78.${vhid}.1` }));
    return daemons;
  };
  const electedIn = async (daemons: Ucarp[], state: 'MASTER' | 'BACKUP', since: number): Promise<number> => {
    await lab.waitFor(`${options.vhids} ucarp ${state}s`, () => Promise.resolve(daemons.every((d) => d.state === state)), ELECTION_LIMIT_MS);
    return (performance.now() - since) / 1000;
  };
  let since = performance.now();
  const masters = await start(MASTER_HOST, 0, '10.77.0.1');
  const masterElected = await electedIn(masters, 'MASTER', since);
  progress(`scale: ucarp MASTER of ${options.vhids} vhids after ${masterElected.toFixed(1)} s`);
  since = performance.now();
  const backups = await start(BACKUP_HOST, BACKUP_SKEW, '10.77.0.2');
  const backupElected = await electedIn(backups, 'BACKUP', since);
  progress(`scale: ucarp BACKUP of ${options.vhids} vhids after ${backupElected.toFixed(1)} s`);
  const sides = await quietSpan({ master: masters.map((d) => d.pid), backup: backups.map((d) => d.pid) }, options);
  return {
    master: { electedSeconds: masterElected, ...sides.master },
    backup: { electedSeconds: backupElected, ...sides.backup },
  };
}

/** CPU over scale-seconds with nothing but advertisements happening, and memory sampled over it, after the warm-up. */
async function quietSpan(
  pids: { master: readonly number[]; backup: readonly number[] },
  options: Pick<BenchOptions, 'scaleSeconds' | 'scaleWarmup'>,
): Promise<Record<'master' | 'backup', Omit<ScaleSide, 'electedSeconds'>>> {
  const seconds = options.scaleSeconds;
  await sleep(options.scaleWarmup * 1000);
  const sampler = new MemorySampler(pids, MEMORY_SAMPLE_MS);
  sampler.start();
  const { cpu } = await new CpuSplitMeter(pids).around(() => sleep(seconds * 1000));
  const memory = await sampler.stop();
  const side = (name: 'master' | 'backup'): Omit<ScaleSide, 'electedSeconds'> => ({
    cpuPercentOfCore: cpu.processes[name] ?? NaN,
    residentMegabytes: memory[name].vmRssAtEnd,
    memory: memory[name],
    processes: pids[name].length,
  });
  return { master: side('master'), backup: side('backup') };
}

function daemonPid(lab: CarpLab, host: string): number {
  const pid = lab.daemonPid(host);
  if (pid === undefined) throw new Error(`carpd on ${host} is not running`);
  return pid;
}
