/**
 * One soak of one sub-second setting: h1 MASTER and h2 BACKUP at advbase 0, iperf3 at full speed
 * from the client through h1's carp0 to the VIP, and a busy loop pinned to the CPU h1's carpd is
 * pinned to, so that carpd gets about half of one CPU whatever else the machine does. Counted from
 * a capture on the bridge: every time h2 began advertising (turned MASTER) while h1 still ran.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { masterDownInterval } from '../src/carp/timing';
import { VIP4 } from '../test/netns/carp-lab';
import { carpdContender } from './failover-contenders';
import { silences, takeovers } from './failover-capture';
import { BACKUP, FailoverLab, PREFERRED } from './failover-lab';
import { type Endpoint, numberAt, runClient } from './iperf';
import { withLab } from './open-labs';
import { percentile } from './stats';
import { sleep } from '../test/helpers/poll';

const run = promisify(execFile);

/** The CPU that h1's carpd and the hog share. */
export const HOG_CPU = 0;
const IPERF: Endpoint = { address: VIP4, port: 5201 };
/** Generous: on a loaded machine a daemon and carpctl take seconds to start. */
const START_LIMIT_MS = 30_000;
const RETRY_MS = 1000;
const BUSY_LOOP = 'for (;;);';
/** sched(7): the policy number of SCHED_RR, as /proc/PID/stat gives it. */
const SCHED_RR = 2;

export interface SoakSetting {
  /** h1's advskew at advbase 0: it advertises every advskew/256 s. */
  readonly preferredSkew: number;
  /** h2's: its master-down interval is 3 x advskew/256 s, and the crash outage about that. */
  readonly backupSkew: number;
}

export interface SoakRun extends SoakSetting {
  readonly seconds: number;
  /** Times h2 turned MASTER (began advertising after h1 had) while h1 ran. */
  readonly falseFailovers: number;
  /** h1's longest time without an advertisement, ms: how close h2 came to taking over. */
  readonly longestMasterSilenceMs: number | null;
  /** The 99.9th percentile of h1's times between advertisements, ms: the tail without its one worst moment. */
  readonly masterSilenceP999Ms: number | null;
  /** h1's silences longer than h2's master-down interval: each one a takeover, or as near as could be. */
  readonly lateSilences: number;
  /** Stalls carpd on h1 logged (a loop lag past its threshold, src/carp/loop-lag.ts). */
  readonly stalls: number;
  /** iperf3's throughput through carp0 over its runs that completed; null if none did. */
  readonly gbitPerSecond: number | null;
  /**
   * iperf3 runs that broke: a false failover moves the VIP to h2, which resets the connection.
   * iperf3 starts again until the soak's time is up, so the soak lasts its seconds whatever happens.
   */
  readonly iperfBreaks: number;
  readonly lastIperfError: string | null;
  /** Whether h1 was MASTER at the end. */
  readonly masterAtEnd: boolean;
}

/** h2's master-down interval at advbase 0, as carpd computes it (classic: 3 x advskew/256 s). */
export function masterDownMs(setting: SoakSetting): number {
  return masterDownInterval('classic', 0, setting.backupSkew);
}

/** The backup one advskew step behind: it waits three of the master's intervals (and 3/256 s), as advbase 1 waits three seconds. */
export function settingFor(preferredSkew: number): SoakSetting {
  return { preferredSkew, backupSkew: preferredSkew + 1 };
}

/** How both carpds are scheduled: SCHED_OTHER at a niceness, or SCHED_RR at a priority. */
export type SoakScheduling = { readonly policy: 'other'; readonly nice: number } | { readonly policy: 'rr'; readonly priority: number };

/** What the soak puts carpd through besides iperf3 and the pinned hog. */
export interface SoakConditions {
  readonly scheduling: SoakScheduling;
  /** Busy loops on any CPU, for a machine loaded as a shared one is, reproducibly. */
  readonly extraHogs: number;
}

export function runSoak(setting: SoakSetting, seconds: number, conditions: SoakConditions): Promise<SoakRun> {
  return withLab(() => FailoverLab.create(), async (lab) => {
    const contender = carpdContender(0, setting.preferredSkew, setting.backupSkew);
    const master = await contender.start(lab.carp, PREFERRED, 'preferred');
    await lab.carp.waitFor(`${PREFERRED} MASTER alone`, () => master.isMaster(), START_LIMIT_MS);
    await contender.start(lab.carp, BACKUP, 'backup');
    await lab.carp.waitState(BACKUP, 'BACKUP', START_LIMIT_MS);
    for (const host of [PREFERRED, BACKUP]) await schedule(daemonPid(lab, host), conditions.scheduling);
    // From here on a takeover by h2 counts, the soak's set-up included.
    const capture = await lab.startCapture();
    await pinWithHog(lab);
    for (let n = 0; n < conditions.extraHogs; n++) lab.carp.net.spawn(PREFERRED, process.execPath, ['-e', BUSY_LOOP]);
    const iperf = await iperfUntil(lab, Date.now() + seconds * 1000);
    const masterAtEnd = await master.isMaster();
    const ads = await capture.stop();
    const [h1, h2] = [lab.address(PREFERRED), lab.address(BACKUP)];
    const gaps = silences(ads, h1);
    return {
      ...setting,
      seconds,
      falseFailovers: takeovers(ads, h1, h2),
      // Not Math.max(...gaps): advskew 1 sends 150,000 in ten minutes, more arguments than a call takes.
      longestMasterSilenceMs: gaps.reduce<number | null>((longest, gap) => Math.max(longest ?? gap, gap), null),
      masterSilenceP999Ms: gaps.length === 0 ? null : percentile(gaps, 99.9),
      lateSilences: gaps.filter((gap) => gap > masterDownMs(setting)).length,
      stalls: stallsLogged(lab.carp.logOf(PREFERRED)),
      ...iperf,
      masterAtEnd,
    };
  });
}

/** h1's carpd (every thread) and a busy loop on HOG_CPU; the lab ends the loop with its namespaces. */
async function pinWithHog(lab: FailoverLab): Promise<void> {
  await run('taskset', ['-a', '-p', '-c', String(HOG_CPU), String(daemonPid(lab, PREFERRED))]);
  lab.carp.net.spawn(PREFERRED, 'taskset', ['-c', String(HOG_CPU), process.execPath, '-e', BUSY_LOOP]);
}

/**
 * iperf3 at full speed until `deadline`, server and client started again whenever a run breaks:
 * a server whose client vanished stays "busy running a test" for minutes.
 */
async function iperfUntil(lab: FailoverLab, deadline: number): Promise<Pick<SoakRun, 'gbitPerSecond' | 'iperfBreaks' | 'lastIperfError'>> {
  let bits = 0;
  let measuredSeconds = 0;
  let iperfBreaks = 0;
  let lastIperfError: string | null = null;
  let server = await startIperfServer(lab);
  for (let left = Math.floor((deadline - Date.now()) / 1000); left >= 1; left = Math.floor((deadline - Date.now()) / 1000)) {
    try {
      const report = await runClient(lab.carp.net, 'cl', IPERF, left, ['-t', String(left), '-i', '0']);
      const runSeconds = numberAt(report, ['end', 'sum_received', 'seconds']);
      bits += numberAt(report, ['end', 'sum_received', 'bits_per_second']) * runSeconds;
      measuredSeconds += runSeconds;
    } catch (e: unknown) {
      iperfBreaks++;
      lastIperfError = e instanceof Error ? e.message : String(e);
      // h1 takes the VIP back (it preempts) within a master-down interval; no busy retry meanwhile.
      await sleep(RETRY_MS);
      await stopProcess(server);
      server = await startIperfServer(lab);
    }
  }
  await stopProcess(server);
  return { gbitPerSecond: measuredSeconds > 0 ? bits / measuredSeconds / 1e9 : null, iperfBreaks, lastIperfError };
}

/**
 * SCHED_RR as the drop-in systemd/realtime.conf gives it: the main thread, the one that runs the
 * event loop, with SCHED_RESET_ON_FORK, so that the threads Node starts and the programs carpd runs
 * stay SCHED_OTHER. Read back from /proc, since a policy that did not take would make the soak
 * measure the wrong thing. Niceness is per thread on Linux: every thread.
 */
async function schedule(pid: number, scheduling: SoakScheduling): Promise<void> {
  if (scheduling.policy === 'rr') {
    await run('chrt', ['--reset-on-fork', '--rr', '--pid', String(scheduling.priority), String(pid)]);
    const { policy, priority } = await schedulingOf(pid);
    if (policy !== SCHED_RR || priority !== scheduling.priority) throw new Error(`carpd ${pid} is at policy ${policy} priority ${priority} after chrt, not SCHED_RR ${scheduling.priority}`);
    return;
  }
  if (scheduling.nice === 0) return;
  for (const thread of await readdir(`/proc/${pid}/task`)) await run('renice', ['-n', String(scheduling.nice), '-p', thread]);
}

/** proc(5): /proc/PID/stat's fields 40 (rt_priority) and 41 (policy), counted after the command's closing parenthesis. */
async function schedulingOf(pid: number): Promise<{ policy: number; priority: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { priority: Number(fields[37]), policy: Number(fields[38]) };
}

function daemonPid(lab: FailoverLab, host: string): number {
  const pid = lab.carp.daemonPid(host);
  if (pid === undefined) throw new Error(`carpd on ${host} is not running`);
  return pid;
}

/** Bound to the VIP so that it answers from it (bench/lab.ts says why). */
async function startIperfServer(lab: FailoverLab): Promise<ChildProcess> {
  const server = lab.carp.net.spawn(PREFERRED, 'iperf3', ['-s', '-B', IPERF.address, '-p', String(IPERF.port)]);
  server.stdout?.resume();
  server.stderr?.resume();
  await lab.carp.waitFor(`iperf3 listening on ${IPERF.address}:${IPERF.port}`, async () => {
    const { stdout } = await lab.carp.net.exec(PREFERRED, 'ss', ['-Hltn', `src ${IPERF.address}:${IPERF.port}`]);
    return stdout.trim() !== '';
  });
  return server;
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGKILL');
  return gone;
}

/** carpd logs one line per stall (src/daemon/stall-report.ts). */
function stallsLogged(log: string): number {
  return log.split('\n').filter((line) => line.includes('"lagMs"')).length;
}
