import assert from 'node:assert/strict';
import { formatMac, parseIp, parseMac } from '../../src/wire/address';
import { decodeIpv6 } from '../../src/wire/ipv6';
import { NDP_TYPE_NEIGHBOR_ADVERTISEMENT, decodeNdp } from '../../src/wire/ndp';
import { answerLikeAHost } from '../fakes/carp-stack';
import { neighborSolicitation } from '../fakes/frames';
import type { Client } from '../fakes/world';
import { type Answer, probe } from './balancing-probe';
import { DaemonLab } from './lab';
import { PASS, VIP } from './scenarios';

const HOST_MAC = (n: number): string => `02:00:00:00:00:0${n}`;
const MULTICAST_VIRTUAL_MAC = '01:00:5e:00:01:01';
/** master-down of a node with advskew 100: 3 x 1 s + 100/256 s. */
const MASTER_DOWN_MS = 3000 + (100 * 1000) / 256;

/** carpnodes on every host: host n is preferred (advskew 0) for node n, 100 elsewhere. */
async function balance(lab: DaemonLab, hosts: number, mode: string, words: string[] = []): Promise<void> {
  for (let n = 1; n <= hosts; n++) {
    await lab.start(n);
    const nodes = Array.from({ length: hosts }, (_, i) => `${i + 1}:${i + 1 === n ? 0 : 100}`).join(',');
    await lab.ok(n, 'carp0', 'create', 'carpnodes', nodes, 'balancing', mode, 'pass', PASS, 'carpdev', 'eth0', ...words);
    lab.world.host(n).kernel.ipAddrAdd('carp0', `${VIP}/24`);
    answerLikeAHost(lab.world.host(n).kernel.link('carp0') ?? assert.fail('no carp0'));
  }
  await lab.until(() => Array.from({ length: hosts }, (_, i) => lab.state(i + 1, 'carp0', i + 1)).every((s) => s === 'MASTER'), 5000);
  await lab.advance(100);
}

function clients(lab: DaemonLab, count: number): Client[] {
  return Array.from({ length: count }, (_, i) => lab.world.addClient(`client${i + 1}`));
}

/** Which host answered each client: exactly one each time, or the test fails. */
function answeringHosts(answers: readonly Answer[]): string[] {
  return answers.map((answer, i) => {
    assert.equal(answer.repliesFrom.length, 1, `client${i + 1} got ${answer.repliesFrom.length} replies (${answer.repliesFrom.join(', ')})`);
    return answer.repliesFrom[0] as string;
  });
}

describe('carpd in-process: load balancing (carpnodes, balancing ip / ip-stealth / ip-unicast / arp)', () => {
  let lab: DaemonLab;

  afterEach(async () => {
    await lab.close();
  });

  describe('balancing ip, two hosts', () => {
    beforeEach(async () => {
      lab = await DaemonLab.create({ hosts: 2, mode: 'switch' });
      await balance(lab, 2, 'ip');
    });

    it('shows OpenBSD`s summary line and one line per node', async () => {
      const text = await lab.ok(1, 'carp0');
      assert.match(text, /\tcarp: carpdev eth0 advbase 1 balancing ip\n\t\tstate MASTER vhid 1 advskew 0\n\t\tstate BACKUP vhid 2 advskew 100\n/);
      assert.equal((await lab.show(2)).balancing, 'ip');
    });

    it('answers ARP with the multicast MAC, from the leader`s MASTER only, and never with a virtual source MAC', async () => {
      const [client] = clients(lab, 1);
      const answer = await probe(lab, client as Client, 1);
      assert.equal(answer.resolvedTo, MULTICAST_VIRTUAL_MAC);
      const virtualSources = lab.world.segment.log.filter((f) => formatMac(f.frame.subarray(6, 12)).startsWith('00:00:5e:00:01') || formatMac(f.frame.subarray(6, 12)).startsWith('01:00:5e:00:01'));
      assert.deepEqual(virtualSources, [], 'advertisements and answers leave from the carpdev`s own MAC');
    });

    it('answers every flow from exactly one host, and both hosts carry a share', async () => {
      const all = clients(lab, 8);
      const answers: Answer[] = [];
      for (const [i, client] of all.entries()) answers.push(await probe(lab, client, i + 1));
      const hosts = answeringHosts(answers);
      const split = [HOST_MAC(1), HOST_MAC(2)].map((mac) => hosts.filter((h) => h === mac).length);
      assert.deepEqual(split, [4, 4], `split ${split.join('/')}`);
      // Both directions of a flow fold to the same node: the same client always reaches the same host.
      const again = await probe(lab, all[0] as Client, 99, parseMac(MULTICAST_VIRTUAL_MAC));
      assert.deepEqual(again.repliesFrom, [hosts[0]]);
    });

    it('moves a failed host`s share to the survivor within the master-down bound, and back with preempt', async () => {
      const all = clients(lab, 8);
      const mac = parseMac(MULTICAST_VIRTUAL_MAC);
      for (const n of [1, 2]) await lab.ok(n, 'sysctl', 'net.inet.carp.preempt=1');
      lab.world.host(1).kernel.setLinkState('eth0', { carrier: false });
      await lab.until(() => lab.state(2, 'carp0', 1) === 'MASTER', MASTER_DOWN_MS + 100);
      const during: Answer[] = [];
      for (const [i, client] of all.entries()) during.push(await probe(lab, client, 100 + i, mac));
      assert.deepEqual(answeringHosts(during), all.map(() => HOST_MAC(2)), 'the survivor answers every flow');
      lab.world.host(1).kernel.setLinkState('eth0', { carrier: true });
      await lab.until(() => lab.state(1, 'carp0', 1) === 'MASTER' && lab.state(2, 'carp0', 1) === 'BACKUP', 5000);
      await lab.advance(100);
      const after: Answer[] = [];
      for (const [i, client] of all.entries()) after.push(await probe(lab, client, 200 + i, mac));
      const split = [HOST_MAC(1), HOST_MAC(2)].map((m) => answeringHosts(after).filter((h) => h === m).length);
      assert.deepEqual(split, [4, 4], 'the returning host takes its share back');
    });

    it('answers IPv6 neighbour solicitations with the multicast MAC too, the checksum kept right', async () => {
      for (const n of [1, 2]) lab.world.host(n).kernel.ipAddrAdd('carp0', '2001:db8:77::50/64');
      await lab.advance(100);
      const [client] = clients(lab, 1);
      if (client === undefined) return assert.fail('no client');
      const seen = client.endpoint.received.length;
      client.endpoint.send(neighborSolicitation({ mac: client.mac, ip: client.ipv6 }, parseIp('2001:db8:77::50')));
      await lab.advance(100);
      const advertised = client.endpoint.received.slice(seen).flatMap((frame) => {
        if (frame.readUInt16BE(12) !== 0x86dd) return [];
        const ip = decodeIpv6(frame, 14);
        const message = decodeNdp(frame, ip, ip.payloadOffset, ip.payloadLength);
        return message.type === NDP_TYPE_NEIGHBOR_ADVERTISEMENT ? [[formatMac(message.targetLinkLayer ?? Buffer.alloc(6)), formatMac(frame.subarray(6, 12))]] : [];
      });
      assert.deepEqual(advertised, [[MULTICAST_VIRTUAL_MAC, HOST_MAC(1)]], 'one answer, from the leader`s MASTER, with its own source MAC');
    });

    it('counts what each host drops for the other`s nodes', async () => {
      const all = clients(lab, 4);
      for (const [i, client] of all.entries()) await probe(lab, client, i + 1);
      const dropped = [1, 2].map((n) => lab.daemon(n).counters().interfaces[0]?.dataPlane?.droppedNotMaster ?? 0);
      assert.ok(dropped.every((d) => d >= 2), `dropped ${dropped.join('/')}`);
    });
  });

  it('balancing ip, three hosts: every flow answered once, every host a share', async () => {
    lab = await DaemonLab.create({ hosts: 3, mode: 'switch' });
    await balance(lab, 3, 'ip');
    const all = clients(lab, 9);
    const answers: Answer[] = [];
    for (const [i, client] of all.entries()) answers.push(await probe(lab, client, i + 1));
    const hosts = answeringHosts(answers);
    for (const n of [1, 2, 3]) assert.ok(hosts.includes(HOST_MAC(n)), `host ${n} answers no flow: ${hosts.join(' ')}`);
  });

  it('balancing ip-stealth: no frame ever leaves with the virtual MAC as its source, so the switch never learns it', async () => {
    lab = await DaemonLab.create({ hosts: 2, mode: 'switch' });
    await balance(lab, 2, 'ip-stealth');
    const all = clients(lab, 4);
    const answers: Answer[] = [];
    for (const [i, client] of all.entries()) answers.push(await probe(lab, client, i + 1));
    assert.equal(answers[0]?.resolvedTo, '00:00:5e:00:01:01');
    answeringHosts(answers);
    assert.deepEqual(lab.world.segment.framesFrom(parseMac('00:00:5e:00:01:01')), []);
    assert.deepEqual(lab.world.segment.framesFrom(parseMac('00:00:5e:00:01:02')), []);
    assert.equal(lab.world.segment.learnedPort(parseMac('00:00:5e:00:01:01')), undefined);
  });

  it('balancing ip-unicast: the virtual MAC is used as usual, and a hub brings every frame to every host', async () => {
    lab = await DaemonLab.create({ hosts: 2, mode: 'hub' });
    await balance(lab, 2, 'ip-unicast');
    const all = clients(lab, 6);
    for (const [i, client] of all.entries()) {
      const answer = await probe(lab, client, i + 1);
      assert.equal(answer.repliesFrom.length, 1);
      assert.equal(answer.resolvedTo, '00:00:5e:00:01:01');
    }
    const relayed = [1, 2].map((n) => lab.daemon(n).counters().interfaces[0]?.dataPlane?.framesIn ?? 0);
    assert.ok(relayed.every((frames) => frames > 0), `frames into carp0 per host: ${relayed.join('/')}`);
  });

  it('balancing arp: clients learn the address from different hosts, each answered by the node its MAC hashes to', async () => {
    lab = await DaemonLab.create({ hosts: 2, mode: 'switch' });
    await balance(lab, 2, 'arp');
    const all = clients(lab, 8);
    const answers: Answer[] = [];
    for (const [i, client] of all.entries()) answers.push(await probe(lab, client, i + 1));
    const resolved = answers.map((a) => a.resolvedTo);
    assert.ok(resolved.includes('00:00:5e:00:01:01') && resolved.includes('00:00:5e:00:01:02'), `resolved: ${resolved.join(' ')}`);
    for (const [i, answer] of answers.entries()) {
      assert.deepEqual(answer.repliesFrom, [answer.resolvedTo], `client${i + 1} is answered from the MAC it resolved`);
    }
    assert.equal(lab.world.segment.learnedPort(parseMac('00:00:5e:00:01:02')), 'host2/eth0', 'the switch learns node 2 at host 2');
  });

  it('refuses bad combinations with the reason, changing nothing', async () => {
    lab = await DaemonLab.create({ hosts: 1 });
    await lab.start(1);
    await lab.ok(1, 'carp0', 'create', 'vhid', '5', 'pass', PASS, 'carpdev', 'eth0');
    await lab.ok(1, 'carp1', 'create', 'carpnodes', '1:0,2:100', 'carpdev', 'eth0');
    const refusals = [
      [['carp0', 'balancing', 'ip'], /balancing ip needs at least two carpnodes/],
      [['carp1', 'carpnodes', '2:0,5:0'], /vhid 5/],
      [['carp1', 'carpnodes', '1:0,1:100'], /vhid 1 is given twice|twice|duplicate/],
      [['carp1', 'carpnodes', Array.from({ length: 33 }, (_, i) => `${i + 10}:0`).join(',')], /1-32/],
      [['carp1', 'vhid', '9'], /carp1 has 2 carpnodes/],
    ] as const;
    for (const [words, reason] of refusals) {
      const run = await lab.carpctl(1, ...words);
      assert.equal(run.status, 1, `carpctl ${words.join(' ')} was accepted`);
      assert.match(run.stderr, reason);
    }
    const carp1 = await lab.show(1, 'carp1');
    assert.deepEqual(carp1.nodes.map((n) => [n.vhid, n.advskew]), [[1, 0], [2, 100]]);
    assert.equal(carp1.balancing, 'ip');
  });
});
