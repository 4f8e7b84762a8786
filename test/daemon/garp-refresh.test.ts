import assert from 'node:assert/strict';
import { formatIp } from '../../src/wire/address';
import { decodeArp } from '../../src/wire/arp';
import { ETHERTYPE_ARP, decodeEthernet } from '../../src/wire/ethernet';
import type { Client } from '../fakes/world';
import type { DaemonLab } from './lab';
import { VIP, pairLab } from './scenarios';

/** Gratuitous ARPs for the VIP (sender = target = VIP) the client received since `since`. */
function gratuitousArps(client: Client, since: number): number {
  return client.endpoint.received.slice(since).filter((frame) => {
    const ethernet = decodeEthernet(frame);
    if (ethernet.etherType !== ETHERTYPE_ARP) return false;
    const arp = decodeArp(frame, ethernet.payloadOffset);
    return formatIp(arp.senderIp) === VIP && formatIp(arp.targetIp) === VIP;
  }).length;
}

describe('carpd in-process: garp-refresh', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await pairLab(true);
    await lab.advance(3000);
  });

  afterEach(async () => {
    await lab.close();
  });

  it('set with carpctl on both hosts: the MASTER alone announces every SECONDS, and status shows it', async () => {
    const client = lab.world.addClient('client');
    for (const n of [1, 2]) await lab.ok(n, 'carp0', 'garp-refresh', '5');
    assert.equal((await lab.show(1)).garpRefresh, 5);
    assert.match(await lab.ok(2, 'carp0'), /\tcarp: garp-refresh 5\n/);
    const since = client.endpoint.received.length;
    await lab.advance(20_100);
    // Four rounds of one frame each in 20 s: from the MASTER only (both would give eight).
    assert.equal(gratuitousArps(client, since), 4);
  });

  it('refuses a value out of range, naming it, and keeps the setting in force', async () => {
    await lab.ok(1, 'carp0', 'garp-refresh', '60');
    const run = await lab.carpctl(1, 'carp0', 'garp-refresh', '7200');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /garp-refresh 7200 is out of range: valid values are 0-3600/);
    assert.equal((await lab.show(1)).garpRefresh, 60);
    await lab.ok(1, 'carp0', '-garp-refresh');
    assert.equal((await lab.show(1)).garpRefresh, 0);
  });
});
