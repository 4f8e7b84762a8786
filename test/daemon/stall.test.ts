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

/** One echo request of a run: when it left, and when each of its replies arrived (fake clock, ms). */
interface Echo {
  readonly sentAt: number;
  readonly repliesAt: number[];
}

/**
 * Pings the VIP every 100 ms for `ms`, running `events.get(t)` at t ms into the run (a freeze or a
 * thaw of host 1's carpd); returns every request with its replies.
 */
async function pingRun(lab: DaemonLab, client: Client, ms: number, events: ReadonlyMap<number, () => void>): Promise<Echo[]> {
  const echoes = new Map<number, Echo>();
  const listener = client.endpoint.onFrame((frame) => {
    const ethernet = decodeEthernet(frame);
    if (ethernet.etherType !== ETHERTYPE_IPV4) return;
    const ip = decodeIpv4(frame, ethernet.payloadOffset);
    if (ip.protocol !== IPPROTO_ICMP || frame[ip.payloadOffset] !== 0) return;
    echoes.get(frame.readUInt16BE(ip.payloadOffset + 6))?.repliesAt.push(lab.world.scheduler.clock.now());
  });
  for (let t = 0, sequence = 1; t < ms; t += PING_INTERVAL_MS, sequence++) {
    events.get(t)?.();
    echoes.set(sequence, { sentAt: lab.world.scheduler.clock.now(), repliesAt: [] });
    const echo = echoMessage({ type: ICMP_ECHO_REQUEST, id: 3, sequence, data: Buffer.from('stall') });
    client.endpoint.send(
      ipv4Frame({ sourceMac: client.mac, destinationMac: virtualMac(1), source: client.ipv4, destination: parseIp(VIP), protocol: IPPROTO_ICMP, payload: echo }),
    );
    await lab.advance(PING_INTERVAL_MS);
  }
  listener();
  return [...echoes.values()];
}

/** How late each answered request got its first reply (ms after it left). */
function firstReplyDelays(echoes: readonly Echo[]): number[] {
  return echoes.flatMap((echo) => (echo.repliesAt[0] === undefined ? [] : [echo.repliesAt[0] - echo.sentAt]));
}

/** Freezes host 1's carpd at `from` and thaws it at `to` (ms into a ping run). */
function stall(lab: DaemonLab, from: number, to: number): Map<number, () => void> {
  return new Map([
    [from, () => lab.freeze(1)],
    [to, () => lab.thaw(1)],
  ]);
}

/** h1 MASTER, h2 BACKUP, both answering pings on carp0 as a host's stack would. */
async function answeringPair(): Promise<DaemonLab> {
  const lab = await pairLab(true);
  for (const n of [1, 2]) answerLikeAHost(lab.world.host(n).kernel.link('carp0') ?? assert.fail('no carp0'));
  return lab;
}

describe('carpd in-process: a stall longer than the master-down interval (kill -STOP, kill -CONT)', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await answeringPair();
  });

  afterEach(async () => {
    await lab.close();
  });

  it('answers nothing seconds late: what queued during the stall is discarded unread and counted', async () => {
    const client = lab.world.addClient('client');
    const delays = firstReplyDelays(await pingRun(lab, client, 7000, stall(lab, 500, 4500)));
    const late = delays.filter((d) => d > 1000);
    assert.deepEqual(late, [], `${late.length} replies came more than a second late`);
    assert.ok(delays.length > 20, 'the backup answered once it had taken over');
    const stale = lab.daemon(1).counters().carpdevs[0]?.dataPlane?.stale ?? 0;
    assert.ok(stale >= 30, `discarded ${stale}`);
    assert.ok(lab.log(1).some((r) => /carpd did not run for \d\.\d s, longer than a master-down interval: \d+ frames that waited meanwhile were discarded/.test(r.msg)));
  });

  it('keeps what queued during a short stall', async () => {
    const client = lab.world.addClient('client');
    const delays = firstReplyDelays(await pingRun(lab, client, 2000, stall(lab, 500, 1300)));
    assert.equal(lab.daemon(1).counters().carpdevs[0]?.dataPlane?.stale, 0);
    assert.ok(delays.some((d) => d >= 500), 'requests that waited were answered, late but well within master-down');
  });
});

const IP = 14;
const CARP = IP + 20;

/** The CARP advertisements host `n` put on the segment since `since` (ms of the fake clock). */
function advertisementsOf(lab: DaemonLab, n: number, since: number): { at: number; advskew: number; demote: number }[] {
  return lab.world.segment.log
    .filter((f) => f.at >= since && f.port === `host${n}/eth0` && f.frame.readUInt16BE(12) === 0x0800 && f.frame[IP + 9] === 112)
    .map((f) => ({ at: f.at, advskew: f.frame[CARP + 2] as number, demote: f.frame[CARP + 4] as number }));
}

describe('carpd in-process: a MASTER whose event loop lags near its backups` master-down interval', () => {
  let lab: DaemonLab;

  beforeEach(async () => {
    lab = await answeringPair();
  });

  afterEach(async () => {
    await lab.close();
  });

  it('stopped for 4 s, it steps down without advertising, stays demoted, and takes nothing back', async () => {
    const client = lab.world.addClient('client');
    let thawedAt = 0;
    const events = new Map([
      [500, () => lab.freeze(1)],
      [
        4500,
        () => {
          assert.equal(lab.state(2), 'MASTER', 'the backup took over during the stall');
          thawedAt = lab.world.scheduler.clock.now();
          lab.thaw(1);
          assert.equal(lab.state(1), 'BACKUP', 'the stalled MASTER stepped down as soon as it ran');
        },
      ],
    ]);
    const replies = (await pingRun(lab, client, 10_000, events)).map((echo) => echo.repliesAt.length).filter((count) => count > 0);
    assert.ok(replies.length > 60, `${replies.length} requests were answered`);
    assert.deepEqual(advertisementsOf(lab, 1, thawedAt), [], 'the stalled MASTER sent no advertisement after it resumed');
    assert.equal(replies.filter((count) => count > 1).length, 0, 'no request was answered twice (by two masters)');
    assert.equal(lab.state(2), 'MASTER');
    const shown = await lab.show(1);
    assert.equal(shown.nodes[0]?.lastTransition?.reason, 'stalled');
    assert.equal(shown.demote, 1, 'demoted while the loop is suspect');
    const stallLines = lab.log(1).filter((r) => /^(carpd did not run|carpd's event loop came back)/.test(r.msg));
    assert.equal(stallLines.length, 1, `one line for the stall: ${stallLines.map((r) => r.msg).join('\n')}`);
    assert.match(
      stallLines[0]?.msg ?? '',
      /carpd did not run for \d\.\d s, .*carp0 vhid 1 stepped down to BACKUP without advertising .*demoted \(group carp 0 -> 1\) until the loop runs on time for 30 s/,
    );
  });

  it('withdraws the demotion after the loop has run on time for 30 s, and stays BACKUP', async () => {
    await lab.advance(500);
    lab.freeze(1);
    await lab.advance(4000);
    lab.thaw(1);
    await lab.advance(25_000);
    assert.equal((await lab.show(1)).demote, 1, 'still demoted 25 s later');
    await lab.advance(6000);
    assert.equal((await lab.show(1)).demote, 0, 'withdrawn after 30 s on time');
    assert.equal(lab.state(1), 'BACKUP');
    assert.equal(lab.state(2), 'MASTER');
  });

  it('lagging 1.5 s (less than a master-down interval), it demotes itself and hands over cleanly', async () => {
    await lab.advance(300);
    lab.freeze(1);
    await lab.advance(1500);
    lab.thaw(1);
    await lab.advance(50);
    assert.equal(lab.state(2), 'MASTER', 'the backup took over from the demoted MASTER');
    assert.equal(lab.state(1), 'BACKUP');
    // Its own advskew carries the FreeBSD demotion too, so the new MASTER's is better.
    assert.equal((await lab.show(1)).nodes[0]?.lastTransition?.reason, 'better-master');
    assert.equal((await lab.show(2)).nodes[0]?.lastTransition?.reason, 'master-demoted');
    assert.ok(lab.log(1).some((r) => /carpd's event loop came back 1\.\d s late; demoted/.test(r.msg)));
  });

  it('a lag below a third of the master-down interval changes nothing', async () => {
    await lab.advance(300);
    lab.freeze(1);
    await lab.advance(800);
    lab.thaw(1);
    await lab.advance(3000);
    assert.equal(lab.state(1), 'MASTER');
    assert.equal((await lab.show(1)).demote, 0);
  });
});
