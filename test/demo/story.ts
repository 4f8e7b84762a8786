/**
 * The demo, step by step, told to an administrator who runs CARP on OpenBSD today. What it says
 * about the firewalls is read from carpd (`carpctl -j`) or checked first (states, the virtual MAC,
 * "stays BACKUP"); the client's gaps come from ping's own reply timestamps.
 */
import { advertisementInterval, masterDownInterval, type MasterDownStyle } from '../../src/carp/timing';
import { type DemoLab, type Firewall, LAN } from './demo-lab';
import { type Narrator, millis, seconds } from './narrator';
import type { PingProbe } from '../helpers/ping-probe';

/** 00:00:5e:00:01:<vhid>, the same on both firewalls: whoever is MASTER answers with it. */
const VIRTUAL_MAC = '00:00:5e:00:01:01';
const CARP_WORDS = 'vhid 1 pass secret carpdev eth0';
const PING_INTERVAL_MS = 10;
/** Replies to collect after a takeover, so the gap that matters is over when it is measured. */
const REPLIES_AFTER_TAKEOVER = 20;
/** Longer than two of fw2's advertisement intervals (1.39 s): with preempt on, fw1 would take over. */
const STAYS_BACKUP_MS = 3000;
/** Above any master-down interval in the demo, for steps that wait on the protocol. */
const PROTOCOL_WAIT_MS = 10_000;

export interface Timings {
  /** The client's longest time without replies after fw1's cable was pulled. */
  readonly cableGapMs: number;
  /** fw2's master-down interval: the protocol's bound on that gap. */
  readonly masterDownMs: number;
  /** The client's longest time without replies after `carpctl carp0 down` on the master. */
  readonly bowOutGapMs: number;
}

export async function runStory(lab: DemoLab, say: Narrator): Promise<Timings> {
  await buildLan(lab, say);
  await configureCarp(lab, say);
  const cable = await pullCable(lab, say);
  await plugBack(lab, say);
  const bowOutGapMs = await plannedFailover(lab, say);
  return { ...cable, bowOutGapMs };
}

async function buildLan(lab: DemoLab, say: Narrator): Promise<void> {
  say.step(1, 'A small LAN in network namespaces');
  say.say(
    'Four boxes, each a network namespace on this machine:',
    '  switch  a bridge, br0, with one port per box (p-fw1, p-fw2, p-client)',
    `  fw1     firewall, eth0 ${LAN.fw1}/${LAN.prefixLength}`,
    `  fw2     firewall, eth0 ${LAN.fw2}/${LAN.prefixLength}`,
    `  client  eth0 ${LAN.client}/${LAN.prefixLength}, gateway ${LAN.vip}: the address CARP will share`,
  );
  await lab.build();
  say.say(`(fw1 is namespace ${lab.namespaceOf('fw1')}, and so on: \`ip netns list\`.)`);
  say.blank();
  say.say('carpd runs on each firewall; carpctl there reaches it through CARPD_SOCKET.');
  say.say('(carpd and carpctl are dist/src/bin/carpd.js and carpctl.js of this checkout.)');
  await lab.startCarpd('fw1');
  await lab.startCarpd('fw2');
}

async function configureCarp(lab: DemoLab, say: Narrator): Promise<void> {
  say.step(2, 'carp0 on both firewalls, the way the handbook does it');
  say.say(
    "On OpenBSD, fw1's /etc/hostname.carp0 would say (fw2's the same with advskew 100):",
    `  inet ${LAN.vip} 255.255.255.0 NONE ${CARP_WORDS.replace('eth0', 'em0')} advskew 0`,
    'Here carpctl takes the carp words and ip(8) the address:',
  );
  for (const [fw, advskew] of [['fw1', 0], ['fw2', 100]] as const) {
    await lab.show(fw, 'carpctl', ['carp0', 'create', ...CARP_WORDS.split(' '), 'advskew', String(advskew)]);
    await lab.show(fw, 'ip', ['addr', 'add', `${LAN.vip}/${LAN.prefixLength}`, 'dev', 'carp0']);
  }
  await lab.waitState('fw1', 'MASTER', PROTOCOL_WAIT_MS);
  await lab.waitState('fw2', 'BACKUP', PROTOCOL_WAIT_MS);
  say.say('The one that advertises more often (lower advskew) wins the election:');
  await lab.show('fw1', 'carpctl', ['carp0']);
  await lab.show('fw2', 'carpctl', ['carp0']);
  say.say('From the client:');
  await lab.show('client', 'ping', ['-c', '3', '-i', '0.2', LAN.vip]);
  const neighbour = await lab.show('client', 'ip', ['neigh', 'show', LAN.vip]);
  const mac = /lladdr (\S+)/.exec(neighbour)?.[1];
  if (mac !== VIRTUAL_MAC) throw new Error(`the client's ARP entry for ${LAN.vip} is ${mac ?? 'missing'}, not ${VIRTUAL_MAC}`);
  say.say(`The VIP answers with the virtual MAC ${VIRTUAL_MAC} (00:00:5e:00:01:<vhid>), from the MASTER.`);
}

async function pullCable(lab: DemoLab, say: Narrator): Promise<Pick<Timings, 'cableGapMs' | 'masterDownMs'>> {
  say.step(3, "Failure: fw1's cable is pulled");
  say.say(`The client pings the VIP every ${PING_INTERVAL_MS} ms meanwhile.`);
  const probe = lab.startPing(LAN.vip, PING_INTERVAL_MS);
  const cut = await afterSteadyReplies(lab, probe, () => lab.show('switch', 'ip', ['link', 'set', 'p-fw1', 'down']));
  say.say("(fw1's switch port is down: fw1's eth0 loses its carrier, as with a pulled cable.)");
  await lab.waitState('fw2', 'MASTER', PROTOCOL_WAIT_MS);
  const gap = await stopAfterTakeover(lab, say, probe, cut);
  const bound = await masterDownBound(lab);
  say.say(
    `The client got no answer for ${seconds(gap)}.`,
    `fw2 takes over when it has heard nothing for master-down = ${bound.formula}`,
    `  = ${bound.arithmetic} = ${seconds(bound.ms)}; fw1 had sent its last advertisement`,
    `  at most ${seconds(bound.masterIntervalMs)} (its advertisement interval) before the cable was pulled.`,
    gap <= bound.ms
      ? `Measured ${seconds(gap)}: within the bound of ${seconds(bound.ms)}.`
      : `Measured ${seconds(gap)}: ${millis(gap - bound.ms)} over the bound of ${seconds(bound.ms)}.`,
  );
  await showBoth(lab, say);
  return { cableGapMs: gap, masterDownMs: bound.ms };
}

async function plugBack(lab: DemoLab, say: Narrator): Promise<void> {
  say.step(4, "fw1's cable is plugged back in");
  await lab.show('switch', 'ip', ['link', 'set', 'p-fw1', 'up']);
  await lab.waitState('fw1', 'BACKUP', PROTOCOL_WAIT_MS);
  await lab.show('fw1', 'carpctl', ['sysctl', 'net.inet.carp.preempt']);
  await lab.holds(
    'fw1 BACKUP and fw2 MASTER',
    async () => (await lab.state('fw1')) === 'BACKUP' && (await lab.state('fw2')) === 'MASTER',
    STAYS_BACKUP_MS,
  );
  say.say(
    `fw1 came back as BACKUP and stayed BACKUP for ${seconds(STAYS_BACKUP_MS)} (two of fw2's advertisements),`,
    'although it advertises more often: preemption is off, as on OpenBSD.',
  );
  await lab.show('fw1', 'carpctl', ['carp0']);
}

async function plannedFailover(lab: DemoLab, say: Narrator): Promise<number> {
  say.step(5, 'Planned failover: the master is taken down');
  say.say(
    'As `ifconfig carp0 down` on OpenBSD: the master sends a last advertisement with',
    'advbase 255 and advskew 255 (a "bow-out"), and the backup takes over at once.',
  );
  const probe = lab.startPing(LAN.vip, PING_INTERVAL_MS);
  const down = await afterSteadyReplies(lab, probe, () => lab.show('fw2', 'carpctl', ['carp0', 'down']));
  await lab.waitState('fw1', 'MASTER', PROTOCOL_WAIT_MS);
  const gap = await stopAfterTakeover(lab, say, probe, down);
  say.say(`The client's longest wait for a reply: ${millis(gap)} (one every ${PING_INTERVAL_MS} ms when all is well).`);
  await showBoth(lab, say);
  await lab.show('fw2', 'carpctl', ['carp0', 'up']);
  await lab.waitState('fw2', 'BACKUP', PROTOCOL_WAIT_MS);
  say.say(await stateLine(lab, 'fw2'));
  return gap;
}

/** Waits until the client gets replies, then runs `event`; returns when it started. */
async function afterSteadyReplies(lab: DemoLab, probe: PingProbe, event: () => Promise<unknown>): Promise<number> {
  await lab.waitFor('the client to reach the VIP', () => Promise.resolve(probe.repliesAfter(0) >= 5));
  const start = Date.now();
  await event();
  return start;
}

/** Lets the client settle on the new master, stops ping, shows its summary, returns the gap. */
async function stopAfterTakeover(lab: DemoLab, say: Narrator, probe: PingProbe, since: number): Promise<number> {
  await lab.waitFor('replies from the new master', () => Promise.resolve(probe.repliesAfter(since) >= REPLIES_AFTER_TAKEOVER));
  say.say("ping's summary:");
  say.output(await probe.stop());
  const gap = probe.longestGapAfter(since);
  if (gap === null) throw new Error('ping recorded no gap to measure');
  return gap;
}

/** `carpctl carp0` on both firewalls, then each one's state and why, in carpd's words. */
async function showBoth(lab: DemoLab, say: Narrator): Promise<void> {
  await lab.show('fw1', 'carpctl', ['carp0']);
  await lab.show('fw2', 'carpctl', ['carp0']);
  say.say(await stateLine(lab, 'fw1'), await stateLine(lab, 'fw2'));
}

/** "fw1: INIT, demote count 1; last change: carpdev link down". */
async function stateLine(lab: DemoLab, fw: Firewall): Promise<string> {
  const status = await lab.status(fw);
  const node = status.nodes[0];
  const down = status.adminUp ? '' : ', carp0 down';
  return `${fw}: ${node?.state ?? 'INIT'}${down}, demote count ${status.demote}; last change: ${node?.lastTransition?.text ?? 'none'}`;
}

interface Bound {
  readonly ms: number;
  readonly formula: string;
  readonly arithmetic: string;
  /** How often the old master advertised: how stale fw2's last news of it can be. */
  readonly masterIntervalMs: number;
}

/** fw2's master-down interval from its own settings and the masterdown sysctl, as carpd computes it. */
async function masterDownBound(lab: DemoLab): Promise<Bound> {
  const [fw1, fw2] = [await lab.status('fw1'), await lab.status('fw2')];
  const sysctl = await lab.quiet('fw2', 'carpctl', ['sysctl', 'net.inet.carp.masterdown']);
  const style: MasterDownStyle = sysctl.includes('openbsd') ? 'openbsd' : 'classic';
  const advbase = fw2.advbase;
  const advskew = fw2.nodes[0]?.advskew ?? 0;
  return {
    ms: masterDownInterval(style, advbase, advskew),
    formula: style === 'openbsd' ? '3 × (advbase + advskew/256)' : '3 × advbase + advskew/256',
    arithmetic: style === 'openbsd' ? `3 × (${advbase} + ${advskew}/256)` : `3 × ${advbase} + ${advskew}/256`,
    masterIntervalMs: advertisementInterval(fw1.advbase, fw1.nodes[0]?.advskew ?? 0),
  };
}
