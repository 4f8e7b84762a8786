/**
 * One trial of one failover scenario with one contender, in a lab of its own: the event comes at
 * a random point of the advertisement cycle, and the measures are read from the client's probes
 * and the bridge's capture, never from what the tools say of themselves.
 */
import { sleep, waitFor } from '../test/helpers/poll';
import type { Contender, Running } from './failover-contenders';
import { advertisedFrom, advertisementGap, bothAdvertising } from './failover-capture';
import { BACKUP, FailoverLab, PREFERRED, type Probes } from './failover-lab';
import { withLab } from './open-labs';

/**
 * crash: the MASTER's cable pulled and its daemon killed. graceful: its daemon stopped with
 * SIGTERM. down: carpN taken down (carpd's modes only). preempt: the preferred host returns while the
 * backup is MASTER. start: both hosts started at once.
 */
export type ScenarioName = 'crash' | 'graceful' | 'down' | 'preempt' | 'start';
export const SCENARIO_NAMES: readonly ScenarioName[] = ['crash', 'graceful', 'down', 'preempt', 'start'];

export interface TrialResult {
  /** The client's longest time without an echo reply from the event on, ms. */
  readonly icmpOutageMs: number | null;
  readonly udpOutageMs: number | null;
  /** crash, graceful, down: the old MASTER's last advertisement to the new one's first, ms. */
  readonly advertisementGapMs: number | null;
  /** preempt: how long the backup still advertised after the returning host first did, ms. */
  readonly bothAdvertiseMs: number | null;
  /** start: whether the backup ever advertised, i.e. turned MASTER. */
  readonly backupTurnedMaster: boolean | null;
}

const NO_MEASURE: TrialResult = { icmpOutageMs: null, udpOutageMs: null, advertisementGapMs: null, bothAdvertiseMs: null, backupTurnedMaster: null };
/** The probes run this long before the event, so a baseline of replies exists. */
const WARM_UP_MS = 1000;
/** After the outcome, the client gets this long to be answered again before the probes stop. */
const SETTLE_MS = 1000;
const START_LIMIT_MS = 15_000;

export function scenarioApplies(contender: Contender, scenario: ScenarioName): boolean {
  return scenario !== 'down' || contender.ours;
}

/** `random()` in [0, 1) picks the point of the advertisement cycle at which the event comes. */
export function runTrial(contender: Contender, scenario: ScenarioName, random: () => number): Promise<TrialResult> {
  return withLab(() => FailoverLab.create(), async (lab) => {
    const cycle = (): Promise<void> => sleep(WARM_UP_MS + random() * contender.advertisementMs);
    switch (scenario) {
      case 'crash':
      case 'graceful':
      case 'down':
        return await takeover(lab, contender, scenario, cycle);
      case 'preempt':
        return await preempt(lab, contender, cycle);
      case 'start':
        return await simultaneousStart(lab, contender);
    }
  });
}

async function takeover(lab: FailoverLab, contender: Contender, scenario: 'crash' | 'graceful' | 'down', cycle: () => Promise<void>): Promise<TrialResult> {
  const preferred = await startAsMaster(lab, contender, PREFERRED, 'preferred');
  const backup = await contender.start(lab.carp, BACKUP, 'backup');
  const capture = await lab.startCapture();
  const probes = lab.startProbes();
  await cycle();
  if (await backup.isMaster()) throw new Error(`${contender.name}: the backup is MASTER before the ${scenario}`);
  const event = Date.now();
  if (scenario === 'crash') {
    await lab.cutLink(PREFERRED);
    await preferred.crash();
  } else if (scenario === 'graceful') {
    await preferred.stop();
  } else {
    if (preferred.down === null) throw new Error(`${contender.name} has no administrative down`);
    await preferred.down();
  }
  await waitFor(`${contender.name}: the backup MASTER after the ${scenario}`, () => backup.isMaster(), contender.masterDownMs + 5000);
  await sleep(SETTLE_MS);
  const ads = await capture.stop();
  return {
    ...NO_MEASURE,
    ...(await outages(probes, event)),
    advertisementGapMs: advertisementGap(ads, lab.address(PREFERRED), lab.address(BACKUP), event),
  };
}

async function preempt(lab: FailoverLab, contender: Contender, cycle: () => Promise<void>): Promise<TrialResult> {
  const backup = await startAsMaster(lab, contender, BACKUP, 'backup');
  const capture = await lab.startCapture();
  const probes = lab.startProbes();
  await cycle();
  const event = Date.now();
  const preferred = await contender.start(lab.carp, PREFERRED, 'preferred');
  await waitFor(`${contender.name}: the returning host MASTER`, () => preferred.isMaster(), START_LIMIT_MS);
  await waitFor(`${contender.name}: the backup no longer MASTER`, async () => !(await backup.isMaster()), START_LIMIT_MS);
  await sleep(SETTLE_MS);
  const ads = await capture.stop();
  return {
    ...NO_MEASURE,
    ...(await outages(probes, event)),
    bothAdvertiseMs: bothAdvertising(ads, lab.address(PREFERRED), lab.address(BACKUP), event),
  };
}

async function simultaneousStart(lab: FailoverLab, contender: Contender): Promise<TrialResult> {
  const capture = await lab.startCapture();
  const [preferred] = await Promise.all([contender.start(lab.carp, PREFERRED, 'preferred'), contender.start(lab.carp, BACKUP, 'backup')]);
  await waitFor(`${contender.name}: a MASTER after starting both`, () => preferred.isMaster(), START_LIMIT_MS);
  // A backup that was going to turn MASTER has done so by its own master-down interval.
  await sleep(contender.masterDownMs + SETTLE_MS);
  const ads = await capture.stop();
  return { ...NO_MEASURE, backupTurnedMaster: advertisedFrom(ads, lab.address(BACKUP)) };
}

async function startAsMaster(lab: FailoverLab, contender: Contender, host: string, role: 'preferred' | 'backup'): Promise<Running> {
  const running = await contender.start(lab.carp, host, role);
  await waitFor(`${contender.name}: ${host} MASTER alone`, () => running.isMaster(), START_LIMIT_MS);
  return running;
}

async function outages(probes: Probes, event: number): Promise<Pick<TrialResult, 'icmpOutageMs' | 'udpOutageMs'>> {
  await Promise.all([probes.icmp.stop(), probes.udp.stop()]);
  return { icmpOutageMs: probes.icmp.longestGapAfter(event), udpOutageMs: probes.udp.longestGapAfter(event) };
}
