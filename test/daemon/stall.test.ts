import assert from 'node:assert/strict';
import { parseIp, virtualMac } from '../../src/wire/address';
import { ETHERTYPE_IPV4, decodeEthernet } from '../../src/wire/ethernet';
import { decodeIpv4 } from '../../src/wire/ipv4';
import { answerLikeAHost } from '../fakes/carp-stack';
import { ICMP_ECHO_REQUEST, IPPROTO_ICMP, echoMessage, ipv4Frame } from '../fakes/frames';
import type { Client } from '../fakes/world';
import type { DaemonLab } from './lab';
import { VIP, pairLab } from './scenarios';

const PING_INTERVAL_MS = 100;

/**
 * Pings the VIP every 100 ms for `ms` while host 1's carpd is stopped from `stall.from` to
 * `stall.to` (ms into the run); returns, per reply, how late it came (ms after its request).
 */
async function pingAcrossStall(lab: DaemonLab, client: Client, ms: number, stall: { from: number; to: number }): Promise<number[]> {
  const sentAt = new Map<number, number>();
  const delays: number[] = [];
  const seen = new Set<number>();
  const listener = client.endpoint.onFrame((frame) => {
    const ethernet = decodeEthernet(frame);
    if (ethernet.etherType !== ETHERTYPE_IPV4) return;
    const ip = decodeIpv4(frame, ethernet.payloadOffset);
    if (ip.protocol !== IPPROTO_ICMP || frame[ip.payloadOffset] !== 0) return;
    const sequence = frame.readUInt16BE(ip.payloadOffset + 6);
    const sent = sentAt.get(sequence);
    if (sent === undefined || seen.has(sequence)) return;
    seen.add(sequence);
    delays.push(lab.world.scheduler.clock.now() - sent);
  });
  let sequence = 0;
  for (let t = 0; t < ms; t += PING_INTERVAL_MS) {
    if (t === stall.from) lab.freeze(1);
    if (t === stall.to) lab.thaw(1);
    sequence++;
    sentAt.set(sequence, lab.world.scheduler.clock.now());
    const echo = echoMessage({ type: ICMP_ECHO_REQUEST, id: 3, sequence, data: Buffer.from('stall') });
    client.endpoint.send(
      ipv4Frame({ sourceMac: client.mac, destinationMac: virtualMac(1), source: client.ipv4, destination: parseIp(VIP), protocol: IPPROTO_ICMP, payload: echo }),
    );
    await lab.advance(PING_INTERVAL_MS);
  }
  listener();
  return delays;
}

describe('carpd in-process: a stall longer than the master-down interval (kill -STOP, kill -CONT)', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await pairLab(true);
    for (const n of [1, 2]) answerLikeAHost(lab.world.host(n).kernel.link('carp0') ?? assert.fail('no carp0'));
  });

  afterEach(async () => {
    await lab.close();
  });

  it('answers nothing seconds late: what queued during the stall is discarded unread and counted', async () => {
    const client = lab.world.addClient('client');
    const delays = await pingAcrossStall(lab, client, 7000, { from: 500, to: 4500 });
    const late = delays.filter((d) => d > 1000);
    assert.deepEqual(late, [], `${late.length} replies came more than a second late`);
    assert.ok(delays.length > 20, 'the backup answered once it had taken over');
    const stale = lab.daemon(1).counters().carpdevs[0]?.dataPlane?.stale ?? 0;
    assert.ok(stale >= 30, `discarded ${stale}`);
    assert.ok(lab.log(1).some((r) => /carpd did not run for \d\.\d s, longer than a master-down interval: \d+ frames that waited meanwhile were discarded/.test(r.msg)));
  });

  it('keeps what queued during a short stall', async () => {
    const client = lab.world.addClient('client');
    const delays = await pingAcrossStall(lab, client, 2000, { from: 500, to: 1300 });
    assert.equal(lab.daemon(1).counters().carpdevs[0]?.dataPlane?.stale, 0);
    assert.ok(delays.some((d) => d >= 500), 'requests that waited were answered, late but well within master-down');
  });
});
