import assert from 'node:assert/strict';
import { formatIp, formatMac } from '../../src/wire/address';
import { IPPROTO_CARP } from '../../src/wire/carp';
import { ETHERTYPE_IPV4, decodeEthernet } from '../../src/wire/ethernet';
import { decodeIpv4 } from '../../src/wire/ipv4';
import { forgedAdvertisement } from './hostile-frames';
import { DaemonLab } from './lab';
import { PASS, VIP, pairLab } from './scenarios';

/** master-down of the backup: 3 x advbase + advskew/256 s. */
const BACKUP_MASTER_DOWN_MS = 3000 + (100 * 1000) / 256;

/** The advertisements on the wire since `since`: who sent them, to which MAC and address. */
function advertisements(lab: DaemonLab, since: number): { port: string; mac: string; to: string }[] {
  return lab.world.segment.log
    .filter((entry) => entry.at >= since)
    .filter((entry) => decodeEthernet(entry.frame).etherType === ETHERTYPE_IPV4 && decodeIpv4(entry.frame, 14).protocol === IPPROTO_CARP)
    .map((entry) => ({
      port: entry.port,
      mac: formatMac(decodeEthernet(entry.frame).destination),
      to: formatIp(decodeIpv4(entry.frame, 14).destination),
    }));
}

describe('carpd in-process: carppeer (unicast advertisements)', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await pairLab(true);
    await lab.ok(1, 'carp0', 'carppeer', '10.77.0.2');
    await lab.ok(2, 'carp0', 'carppeer', '10.77.0.1');
  });

  afterEach(async () => {
    await lab.close();
  });

  it('the MASTER advertises to the peer`s address and MAC only, and the BACKUP, hearing them, stays BACKUP', async () => {
    const since = lab.world.scheduler.clock.now();
    await lab.advance(2 * BACKUP_MASTER_DOWN_MS);
    const sent = advertisements(lab, since);
    assert.ok(sent.length >= 6, `${sent.length} advertisements`);
    assert.deepEqual(new Set(sent.map((ad) => `${ad.port} -> ${ad.mac} ${ad.to}`)), new Set(['host1/eth0 -> 02:00:00:00:00:02 10.77.0.2']));
    assert.equal(lab.state(1), 'MASTER');
    assert.equal(lab.state(2), 'BACKUP');
    assert.match(await lab.ok(1, 'carp0'), /\tcarp: MASTER carpdev eth0 vhid 1 advbase 1 advskew 0 carppeer 10\.77\.0\.2\n/);
    assert.deepEqual((await lab.show(2)).carppeers, ['10.77.0.1']);
  });

  it('a unicast advertisement from a host that is not the peer is counted as badpeer and changes nothing', async () => {
    await lab.ok(2, 'sysctl', 'net.inet.carp.log=5');
    const attacker = lab.world.addClient('attacker');
    const host2 = lab.world.host(2);
    const frame = forgedAdvertisement(attacker, { pass: PASS, advskew: 0, to: { ip: host2.ipv4.address, mac: host2.nic.mac } });
    for (let i = 0; i < 3; i++) attacker.endpoint.send(frame);
    await lab.advance(100);
    assert.match(await lab.ok(2, 'carp0', 'stats'), /\t3 discarded: unicast advertisement not from the carppeer\n/);
    assert.equal(lab.state(2), 'BACKUP');
    assert.ok(lab.log(2).some((r) => /not from the carppeer from 10\.77\.0\.101/.test(r.msg)), 'the drop is logged with the sender');
  });

  it('refuses a multicast carppeer, naming what is valid, and keeps the peer in force', async () => {
    const refused = await lab.carpctl(1, 'carp0', 'carppeer', '224.0.0.18');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /carppeer 224\.0\.0\.18 is a multicast address: carppeer takes the unicast address of the other CARP host/);
    assert.deepEqual((await lab.show(1)).carppeers, ['10.77.0.2']);
  });

  it('-carppeer sends to the group again', async () => {
    await lab.ok(1, 'carp0', '-carppeer');
    await lab.advance(50);
    const since = lab.world.scheduler.clock.now();
    await lab.advance(2500);
    assert.deepEqual(new Set(advertisements(lab, since).map((ad) => `${ad.mac} ${ad.to}`)), new Set(['01:00:5e:00:00:12 224.0.0.18']));
  });

  it('takes carppeer from carpN.conf at boot, and refuses a file with two IPv4 peers, naming the line', async () => {
    const fresh = await DaemonLab.create({ hosts: 2 });
    try {
      const file = (peer: string, skew: number): string =>
        `vhid 1 pass ${PASS} carpdev eth0 advskew ${skew}\ncarppeer ${peer}\ninet ${VIP}/24\n`;
      await fresh.start(1, { config: { 'carp0.conf': file('10.77.0.2', 0) } });
      await fresh.start(2, { config: { 'carp0.conf': `${file('10.77.0.1', 100)}carppeer 10.77.0.9\n`, 'carp1.conf': file('10.77.0.1', 100).replace('vhid 1', 'vhid 2') } });
      assert.deepEqual((await fresh.show(1)).carppeers, ['10.77.0.2']);
      assert.ok(fresh.log(2).some((r) => /carp0\.conf:4: an IPv4 carppeer is given twice \(first on line 2\)/.test(r.msg)), 'the refusal names the line');
      assert.deepEqual((await fresh.show(2, 'carp1')).carppeers, ['10.77.0.1']);
    } finally {
      await fresh.close();
    }
  });
});
