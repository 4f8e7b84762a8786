/**
 * One soak of one sub-second setting: h1 MASTER and h2 BACKUP at advbase 0, iperf3 at full speed
 * from the client through h1's carp0 to the VIP, and a busy loop pinned to the CPU h1's carpd is
 * pinned to, so that carpd gets about half of one CPU whatever else the machine does. Counted from
 * a capture on the bridge: every time h2 began advertising (turned MASTER) while h1 still ran.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { VIP4 } from '../test/netns/carp-lab';
import { carpdContender } from './failover-contenders';
import { longestSilence, takeovers } from './failover-capture';
import { BACKUP, FailoverLab, PREFERRED } from './failover-lab';
import { type Endpoint, numberAt, runClient } from './iperf';
import { withLab } from './open-labs';
import { sleep } from '../test/helpers/poll';

const run = promisify(execFile);

/** The CPU that h1's carpd and the hog share. */
export const HOG_CPU = 0;
const IPERF: Endpoint = { address: VIP4, port: 5201 };
/** Generous: on a loaded machine a daemon and carpctl take seconds to start. */
const START_LIMIT_MS = 30_000;
const RETRY_MS = 1000;

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

/** The backup one advskew step behind: it waits three of the master's intervals (and 3/256 s), as advbase 1 waits three seconds. */
export function settingFor(preferredSkew: number): SoakSetting {
  return { preferredSkew, backupSkew: preferredSkew + 1 };
}

/** `nice`: both carpds' niceness (0: as started; -10 as docs/guide.md suggests for sub-second settings). */
export function runSoak(setting: SoakSetting, seconds: number, nice: number): Promise<SoakRun> {
  return withLab(() => FailoverLab.create(), async (lab) => {
    const contender = carpdContender(0, setting.preferredSkew, setting.backupSkew);
    const master = await contender.start(lab.carp, PREFERRED, 'preferred');
    await lab.carp.waitFor(`${PREFERRED} MASTER alone`, () => master.isMaster(), START_LIMIT_MS);
    await contender.start(lab.carp, BACKUP, 'backup');
    await lab.carp.waitState(BACKUP, 'BACKUP', START_LIMIT_MS);
    if (nice !== 0) for (const host of [PREFERRED, BACKUP]) await renice(daemonPid(lab, host), nice);
    // From here on a takeover by h2 counts, the soak's set-up included.
    const capture = await lab.startCapture();
    await pinWithHog(lab);
    const iperf = await iperfUntil(lab, Date.now() + seconds * 1000);
    const masterAtEnd = await master.isMaster();
    const ads = await capture.stop();
    const [h1, h2] = [lab.address(PREFERRED), lab.address(BACKUP)];
    return {
      ...setting,
      seconds,
      falseFailovers: takeovers(ads, h1, h2),
      longestMasterSilenceMs: longestSilence(ads, h1),
      stalls: stallsLogged(lab.carp.logOf(PREFERRED)),
      ...iperf,
      masterAtEnd,
    };
  });
}

/** h1's carpd (every thread) and a busy loop on HOG_CPU; the lab ends the loop with its namespaces. */
async function pinWithHog(lab: FailoverLab): Promise<void> {
  await run('taskset', ['-a', '-p', '-c', String(HOG_CPU), String(daemonPid(lab, PREFERRED))]);
  lab.carp.net.spawn(PREFERRED, 'taskset', ['-c', String(HOG_CPU), process.execPath, '-e', 'for (;;);']);
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

/** Niceness is per thread on Linux: every thread of the process. */
async function renice(pid: number, nice: number): Promise<void> {
  for (const thread of await readdir(`/proc/${pid}/task`)) await run('renice', ['-n', String(nice), '-p', thread]);
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
