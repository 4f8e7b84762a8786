/**
 * One soak of one sub-second setting: h1 MASTER and h2 BACKUP at advbase 0, iperf3 at full speed
 * from the client through h1's carp0 to the VIP, and a busy loop pinned to the CPU h1's carpd is
 * pinned to, so that carpd gets about half of one CPU whatever else the machine does. Counted from
 * a capture on the bridge: every time h2 began advertising (turned MASTER) while h1 still ran.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { VIP4 } from '../test/netns/carp-lab';
import { carpdContender } from './failover-contenders';
import { longestSilence, takeovers } from './failover-capture';
import { BACKUP, FailoverLab, PREFERRED } from './failover-lab';
import { type Endpoint, numberAt, runClient } from './iperf';
import { withLab } from './open-labs';

const run = promisify(execFile);

/** The CPU that h1's carpd and the hog share. */
export const HOG_CPU = 0;
const IPERF: Endpoint = { address: VIP4, port: 5201 };
const START_LIMIT_MS = 15_000;

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
  /** iperf3's throughput through carp0 over the soak. */
  readonly gbitPerSecond: number;
  /** Whether h1 was MASTER at the end. */
  readonly masterAtEnd: boolean;
}

/** The backup one advskew step behind: it waits three of the master's intervals (and 3/256 s), as advbase 1 waits three seconds. */
export function settingFor(preferredSkew: number): SoakSetting {
  return { preferredSkew, backupSkew: preferredSkew + 1 };
}

export function runSoak(setting: SoakSetting, seconds: number): Promise<SoakRun> {
  return withLab(() => FailoverLab.create(), async (lab) => {
    const contender = carpdContender(0, setting.preferredSkew, setting.backupSkew);
    const master = await contender.start(lab.carp, PREFERRED, 'preferred');
    await lab.carp.waitFor(`${PREFERRED} MASTER alone`, () => master.isMaster(), START_LIMIT_MS);
    await contender.start(lab.carp, BACKUP, 'backup');
    await lab.carp.waitState(BACKUP, 'BACKUP', START_LIMIT_MS);
    await pinWithHog(lab);
    await startIperfServer(lab);
    const capture = await lab.startCapture();
    const report = await runClient(lab.carp.net, 'cl', IPERF, seconds, ['-t', String(seconds), '-i', '0']);
    const masterAtEnd = await master.isMaster();
    const ads = await capture.stop();
    const [h1, h2] = [lab.address(PREFERRED), lab.address(BACKUP)];
    return {
      ...setting,
      seconds,
      falseFailovers: takeovers(ads, h1, h2),
      longestMasterSilenceMs: longestSilence(ads, h1),
      stalls: stallsLogged(lab.carp.logOf(PREFERRED)),
      gbitPerSecond: numberAt(report, ['end', 'sum_received', 'bits_per_second']) / 1e9,
      masterAtEnd,
    };
  });
}

/** h1's carpd (every thread) and a busy loop on HOG_CPU; the lab ends the loop with its namespaces. */
async function pinWithHog(lab: FailoverLab): Promise<void> {
  const pid = lab.carp.daemonPid(PREFERRED);
  if (pid === undefined) throw new Error(`carpd on ${PREFERRED} is not running`);
  await run('taskset', ['-a', '-p', '-c', String(HOG_CPU), String(pid)]);
  lab.carp.net.spawn(PREFERRED, 'taskset', ['-c', String(HOG_CPU), process.execPath, '-e', 'for (;;);']);
}

/** Bound to the VIP so that it answers from it (bench/lab.ts says why). */
async function startIperfServer(lab: FailoverLab): Promise<void> {
  const server = lab.carp.net.spawn(PREFERRED, 'iperf3', ['-s', '-B', IPERF.address, '-p', String(IPERF.port)]);
  server.stdout?.resume();
  server.stderr?.resume();
  await lab.carp.waitFor(`iperf3 listening on ${IPERF.address}:${IPERF.port}`, async () => {
    const { stdout } = await lab.carp.net.exec(PREFERRED, 'ss', ['-Hltn', `src ${IPERF.address}:${IPERF.port}`]);
    return stdout.trim() !== '';
  });
}

/** carpd logs one line per stall (src/daemon/stall-report.ts). */
function stallsLogged(log: string): number {
  return log.split('\n').filter((line) => line.includes('"lagMs"')).length;
}
