/**
 * What the HMAC does not protect (docs/security.md): advbase, advskew and the demote byte lie
 * outside it, and no implementation checks that the counter moves forward. One advertisement
 * captured on the segment, replayed with a better advskew, therefore still authenticates. These
 * tests pin that property down as it is today, so that a strict-counter mode can be measured
 * against exactly these two attacks.
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
    const captured = capturedAdvertisement(lab, 1);
    const attacker = lab.world.addClient('attacker');
    lab.world.host(1).kernel.setLinkState('eth0', { carrier: false });
    for (let i = 0; i < 10; i++) {
      attacker.endpoint.send(captured);
      await lab.advance(1000);
    }
    assert.equal(lab.state(2), 'BACKUP', 'ten seconds after the MASTER left, the replay still holds the BACKUP');
  });

  it('a captured BACKUP advertisement replayed with advskew 0 pushes the MASTER to BACKUP', async () => {
    await lab.ok(2, 'carp0', 'state', 'master');
    await lab.advance(50);
    const backupAd = capturedAdvertisement(lab, 2);
    await lab.until(() => lab.state(2) === 'BACKUP', 3000);
    const attacker = lab.world.addClient('attacker');
    attacker.endpoint.send(withAdvskew(backupAd, 0));
    await lab.advance(10);
    assert.equal(lab.state(1), 'BACKUP', 'the forged "better" advertisement authenticated');
  });
});
