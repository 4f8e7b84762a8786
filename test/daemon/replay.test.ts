/**
 * What the HMAC does not protect (docs/security.md): advbase, advskew and the demote byte lie
 * outside it, and by default no implementation checks that the counter moves forward. One
 * advertisement captured on the segment, replayed with a better advskew, therefore still
 * authenticates. The same two attacks run without and with net.inet.carp.strict_counter: without
 * it they succeed as with every CARP; with it on both hosts they fail and are counted.
 */
import assert from 'node:assert/strict';
import { CARP_HEADER_LENGTH } from '../../src/wire/carp';
import { internetChecksum } from '../../src/wire/checksum';
import type { DaemonLab } from './lab';
import { pairLab } from './scenarios';

const IP = 14;
const CARP = IP + 20;

/** The last IPv4 advertisement host `n` put on the segment. */
function capturedAdvertisement(lab: DaemonLab, n: number): Buffer {
  const frames = lab.world.segment.log.filter((f) => f.port === `host${n}/eth0` && f.frame.readUInt16BE(12) === 0x0800 && f.frame[IP + 9] === 112);
  const last = frames.at(-1);
  if (!last) throw new Error(`host${n} sent no advertisement`);
  return Buffer.from(last.frame);
}

/** Rewrites the fields the HMAC does not cover and fixes the CARP checksum: nothing else is needed. */
function withAdvskew(frame: Buffer, advskew: number): Buffer {
  const forged = Buffer.from(frame);
  forged[CARP + 2] = advskew;
  forged.writeUInt16BE(0, CARP + 6);
  forged.writeUInt16BE(internetChecksum(forged, CARP, CARP + CARP_HEADER_LENGTH), CARP + 6);
  return forged;
}

/**
 * Has host 1 (MASTER) bow out by taking carp0 down, then brings it back and forces it MASTER
 * again; returns the bow-out it sent.
 */
async function capturedBowOut(lab: DaemonLab): Promise<Buffer> {
  await lab.ok(1, 'carp0', 'down');
  await lab.advance(50);
  const bowOut = capturedAdvertisement(lab, 1);
  if (bowOut[CARP + 5] !== 255) throw new Error('host 1 did not bow out');
  await lab.ok(1, 'carp0', 'up');
  await lab.until(() => lab.state(1) === 'BACKUP', 3000);
  await lab.ok(1, 'carp0', 'state', 'master');
  await lab.until(() => lab.state(2) === 'BACKUP', 3000);
  await lab.advance(1500);
  return bowOut;
}

/** How many times host n became MASTER. */
async function timesMaster(lab: DaemonLab, n: number): Promise<number> {
  return (await lab.show(n)).nodes[0]?.stats.toMaster ?? 0;
}

/** Sets net.inet.carp.strict_counter on both hosts of the lab. */
async function strictCounters(lab: DaemonLab): Promise<void> {
  for (const n of [1, 2]) await lab.ok(n, 'sysctl', 'net.inet.carp.strict_counter=1');
  await lab.advance(1400);
}

/** The count of `carpctl carp0 stats` on host n for the strict-counter drops. */
async function replaysCounted(lab: DaemonLab, n: number): Promise<number> {
  const stats = await lab.ok(n, 'carp0', 'stats');
  const line = /\t(\d+) discarded: counter seen before or too far from our clock \(net\.inet\.carp\.strict_counter\)\n/.exec(stats);
  if (!line) throw new Error(`no strict-counter line in:\n${stats}`);
  return Number(line[1]);
}

/**
 * Attack 1: the MASTER (host 1) leaves the segment and an attacker replays its last advertisement
 * once a second for ten seconds.
 */
async function replayAfterMasterLeft(lab: DaemonLab): Promise<void> {
  const captured = capturedAdvertisement(lab, 1);
  const attacker = lab.world.addClient('attacker');
  lab.world.host(1).kernel.setLinkState('eth0', { carrier: false });
  for (let i = 0; i < 10; i++) {
    attacker.endpoint.send(captured);
    await lab.advance(1000);
  }
}

/**
 * Attack 2: one advertisement of host 2, captured while it was briefly MASTER, replayed after it
 * went back to BACKUP with advskew 0, which beats host 1's.
 */
async function replayBackupAdAsBetter(lab: DaemonLab): Promise<void> {
  await lab.ok(2, 'carp0', 'state', 'master');
  await lab.advance(50);
  const backupAd = capturedAdvertisement(lab, 2);
  await lab.until(() => lab.state(2) === 'BACKUP', 3000);
  lab.world.addClient('attacker').endpoint.send(withAdvskew(backupAd, 0));
  await lab.advance(10);
}

/** Attack 3: host 1's bow-out, captured earlier, replayed while host 1 is MASTER again. */
async function replayBowOut(lab: DaemonLab, bowOut: Buffer): Promise<void> {
  lab.world.addClient('attacker').endpoint.send(bowOut);
  await lab.advance(10);
}

describe('carpd in-process: replayed advertisements (the HMAC does not cover advskew)', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await pairLab(true);
    await lab.advance(1400);
  });

  afterEach(async () => {
    await lab.close();
  });

  it('a captured advertisement replayed keeps the BACKUP waiting after the MASTER is gone', async () => {
    await replayAfterMasterLeft(lab);
    assert.equal(lab.state(2), 'BACKUP', 'ten seconds after the MASTER left, the replay still holds the BACKUP');
  });

  it('a captured BACKUP advertisement replayed with advskew 0 pushes the MASTER to BACKUP', async () => {
    await replayBackupAdAsBetter(lab);
    assert.equal(lab.state(1), 'BACKUP', 'the forged "better" advertisement authenticated');
  });

  it('a captured bow-out replayed makes the BACKUP take over from a MASTER that is still there', async () => {
    const bowOut = await capturedBowOut(lab);
    const before = await timesMaster(lab, 2);
    await replayBowOut(lab, bowOut);
    assert.equal(await timesMaster(lab, 2), before + 1, 'the replayed bow-out made host 2 MASTER');
  });
});

describe('carpd in-process: the same replays with net.inet.carp.strict_counter=1 on both hosts', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await pairLab(true);
    await strictCounters(lab);
    assert.equal(lab.state(1), 'MASTER', 'the mode changed nothing between the two of them');
    assert.equal(lab.state(2), 'BACKUP');
  });

  afterEach(async () => {
    await lab.close();
  });

  it('a captured advertisement replayed does not keep the BACKUP waiting: it takes over, and counts the replays', async () => {
    await replayAfterMasterLeft(lab);
    assert.equal(lab.state(2), 'MASTER', 'the BACKUP took over after its master-down interval');
    assert.equal(await replaysCounted(lab, 2), 10);
  });

  it('a captured BACKUP advertisement replayed with advskew 0 leaves the MASTER alone', async () => {
    await replayBackupAdAsBetter(lab);
    assert.equal(lab.state(1), 'MASTER', 'the replayed counter was refused');
    assert.equal(await replaysCounted(lab, 1), 1);
    await lab.advance(5000);
    assert.equal(lab.state(1), 'MASTER');
    assert.equal(lab.state(2), 'BACKUP');
  });

  it('a captured bow-out replayed is refused: the BACKUP stays BACKUP', async () => {
    const bowOut = await capturedBowOut(lab);
    const before = await timesMaster(lab, 2);
    const refused = await replaysCounted(lab, 2);
    await replayBowOut(lab, bowOut);
    assert.equal(await timesMaster(lab, 2), before);
    assert.equal(lab.state(2), 'BACKUP');
    assert.equal(await replaysCounted(lab, 2), refused + 1);
  });
});
