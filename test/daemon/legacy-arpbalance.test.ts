import assert from 'node:assert/strict';
import { formatMac, ipEquals, parseIp, parseMac, virtualMac } from '../../src/wire/address';
import { ARP_OPERATION_REPLY, ARP_OPERATION_REQUEST, decodeArp } from '../../src/wire/arp';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, decodeEthernet } from '../../src/wire/ethernet';
import { decodeIpv4 } from '../../src/wire/ipv4';
import { ICMP_ECHO_REQUEST, IPPROTO_ICMP, arpFrame, arpRequest, echoMessage, ipv4Frame } from '../fakes/frames';
import type { Client } from '../fakes/world';
import { DaemonLab } from './lab';
import { PASS, VIP } from './scenarios';
import { answerLikeLinux } from './shared-address-stack';

/** master-down of a vhid whose advskew is 100: 3 x 1 s + 100/256 s. */
const MASTER_DOWN_MS = 3000 + (100 * 1000) / 256;
const CLIENTS = 6;

/** Who answered: the host whose NIC sent the frame, and the MAC it answered with. */
interface Answer {
  readonly host: string;
  readonly mac: string;
}

/** A client's address, the member it selects, and the host that served it. */
interface Served {
  readonly address: string;
  readonly index: number;
  readonly host: string;
}

/**
 * The legacy index, computed here on its own: OBSD-3.5/MirBSD load the sender's address bytes as
 * a 32-bit word on a little-endian host (docs/protocol.md §4.8, 192.0.2.55 -> 0x370200c0).
 */
function legacyIndex(address: string, count: number): number {
  return parseIp(address).bytes.readUInt32LE(0) % count;
}

/**
 * carp(4)'s example, typed as a user would with carpctl: carpK has vhid K+1 on every host; host A
 * (host 1) is preferred (advskew 0) for the even K, host B (host 2) for the odd ones. Both carry
 * the VIP on every carpK, and net.inet.carp.arpbalance=1 unless `arpbalance` says otherwise.
 */
async function seedExample(lab: DaemonLab, interfaces: number, arpbalance = '1'): Promise<void> {
  for (const n of [1, 2]) {
    await lab.start(n);
    const names = Array.from({ length: interfaces }, (_, k) => `carp${k}`);
    for (const [k, name] of names.entries()) {
      const preferred = (k % 2 === 0) === (n === 1);
      await lab.ok(n, name, 'create');
      await lab.ok(n, name, 'vhid', String(k + 1), ...(preferred ? [] : ['advskew', '100']), 'pass', PASS, 'carpdev', 'eth0');
      lab.world.host(n).kernel.ipAddrAdd(name, `${VIP}/24`);
    }
    await lab.ok(n, 'sysctl', `net.inet.carp.arpbalance=${arpbalance}`);
    answerLikeLinux(lab.world.host(n).kernel, names);
  }
  await lab.until(() => Array.from({ length: interfaces }, (_, k) => lab.state(k % 2 === 0 ? 1 : 2, `carp${k}`)).every((s) => s === 'MASTER'), 5000);
  await lab.advance(100);
}

/** The client's stack answers ARP for its own address, as any host does. */
function answerArp(client: Client): void {
  client.endpoint.onFrame((frame) => {
    const ethernet = decodeEthernet(frame);
    if (ethernet.etherType !== ETHERTYPE_ARP) return;
    const arp = decodeArp(frame, ethernet.payloadOffset);
    if (arp.operation !== ARP_OPERATION_REQUEST || !ipEquals(arp.targetIp, client.ipv4)) return;
    client.endpoint.send(arpFrame(ARP_OPERATION_REPLY, { mac: client.mac, ip: client.ipv4 }, { mac: arp.senderMac, ip: arp.senderIp }, arp.senderMac));
  });
}

/** The ARP replies and echo replies that reached `client` since log entry `since`. */
function answers(lab: DaemonLab, client: Client, since: number, kind: 'arp' | 'echo'): Answer[] {
  return lab.world.segment.log.slice(since).flatMap(({ port, frame }) => {
    const ethernet = decodeEthernet(frame);
    if (!ethernet.destination.equals(client.mac)) return [];
    const host = port.split('/')[0] as string;
    if (kind === 'arp' && ethernet.etherType === ETHERTYPE_ARP) {
      const arp = decodeArp(frame, ethernet.payloadOffset);
      return arp.operation === ARP_OPERATION_REPLY ? [{ host, mac: formatMac(arp.senderMac) }] : [];
    }
    if (kind === 'echo' && ethernet.etherType === ETHERTYPE_IPV4) {
      const ip = decodeIpv4(frame, ethernet.payloadOffset);
      return ip.protocol === IPPROTO_ICMP && frame[ip.payloadOffset] === 0 ? [{ host, mac: formatMac(ethernet.source) }] : [];
    }
    return [];
  });
}

/** The client asks for the VIP; returns every answer within 200 ms. */
async function resolve(lab: DaemonLab, client: Client): Promise<Answer[]> {
  const since = lab.world.segment.log.length;
  client.endpoint.send(arpRequest({ mac: client.mac, ip: client.ipv4 }, parseIp(VIP)));
  await lab.advance(200);
  return answers(lab, client, since, 'arp');
}

/** The client pings the VIP at `mac`; returns every echo reply within 200 ms. */
async function ping(lab: DaemonLab, client: Client, mac: string, sequence: number): Promise<Answer[]> {
  const since = lab.world.segment.log.length;
  const payload = echoMessage({ type: ICMP_ECHO_REQUEST, id: 5, sequence, data: Buffer.from('arpbalance') });
  client.endpoint.send(ipv4Frame({ sourceMac: client.mac, destinationMac: parseMac(mac), source: client.ipv4, destination: parseIp(VIP), protocol: IPPROTO_ICMP, payload }));
  await lab.advance(200);
  return answers(lab, client, since, 'echo');
}

/**
 * Every client resolves the VIP and pings it; each must get exactly one ARP reply and one echo
 * reply, from host `hostOf(index)` and the MAC of member `index` (vhid index + 1), index being the
 * legacy index of the client's address among `count` members.
 */
async function checkEveryClient(lab: DaemonLab, clients: readonly Client[], count: number, hostOf: (index: number) => string): Promise<Served[]> {
  const served: Served[] = [];
  for (const [i, client] of clients.entries()) {
    const address = `10.77.0.${101 + i}`;
    assert.ok(client.ipv4.bytes.equals(parseIp(address).bytes), 'World.addClient numbers clients from 10.77.0.101');
    const index = legacyIndex(address, count);
    const want: Answer = { host: hostOf(index), mac: formatMac(virtualMac(index + 1)) };
    assert.deepEqual(await resolve(lab, client), [want], `${address}: ARP answered once, by member ${index}`);
    assert.deepEqual(await ping(lab, client, want.mac, i + 1), [want], `${address}: ping answered once, from the MAC it resolved`);
    served.push({ address, index, host: want.host });
  }
  return served;
}

describe('carpd in-process: net.inet.carp.arpbalance=1, the OpenBSD 3.5 / MirBSD model', () => {
  let lab: DaemonLab;
  let clients: Client[];

  beforeEach(async () => {
    lab = await DaemonLab.create({ hosts: 2, mode: 'switch' });
    clients = Array.from({ length: CLIENTS }, (_, i) => lab.world.addClient(`client${i + 1}`));
    for (const client of clients) answerArp(client);
  });

  afterEach(async () => {
    await lab.close();
  });

  describe('carp(4)`s example: carp0 vhid 1 and carp1 vhid 2 share the address on two hosts', () => {
    beforeEach(async () => {
      await seedExample(lab, 2);
    });

    it('answers every client once, from the member its address selects: carp0 for all of 10.77.0.0/24', async () => {
      // Mod 2, the little-endian word keeps only the parity of the first octet, and 10 is even.
      const served = await checkEveryClient(lab, clients, 2, (index) => (index === 0 ? 'host1' : 'host2'));
      assert.deepEqual(
        served.map((s) => s.index),
        clients.map(() => 0),
      );
    });

    it('leaves every client to host B once host A`s cable is pulled, after the master-down interval', async () => {
      const cut = lab.world.scheduler.clock.now();
      lab.world.host(1).kernel.setLinkState('eth0', { carrier: false });
      await lab.until(() => lab.state(2, 'carp0') === 'MASTER', MASTER_DOWN_MS + 1000);
      assert.ok(lab.world.scheduler.clock.now() - cut <= MASTER_DOWN_MS + 1);
      await checkEveryClient(lab, clients, 2, () => 'host2');
    });

    it('counts the requests each host leaves to the other, on the member they were for', async () => {
      const dropped = (): number[] =>
        [1, 2].flatMap((n) => ['carp0', 'carp1'].map((ifname) => lab.daemon(n).counters().interfaces.find((i) => i.name === ifname)?.dataPlane?.droppedNotMaster ?? -1));
      const before = dropped();
      for (const client of clients) await resolve(lab, client);
      const after = dropped();
      assert.deepEqual(
        after.map((count, i) => count - (before[i] as number)),
        [0, 0, CLIENTS, 0],
        'host B drops on carp0 what host A answers; carp1 is offered nothing',
      );
      assert.match(await lab.ok(2, 'carp0', 'stats'), new RegExp(`\\t${after[2]} frames dropped: not MASTER\\n`));
    });
  });

  describe('three interfaces, vhids 1 and 3 preferred on host A, 2 on host B', () => {
    beforeEach(async () => {
      await seedExample(lab, 3);
    });

    it('splits the clients by the legacy index mod 3: each answered once, by the member`s MASTER, from its MAC', async () => {
      const served = await checkEveryClient(lab, clients, 3, (index) => (index === 1 ? 'host2' : 'host1'));
      assert.deepEqual(
        served.map((s) => `${s.index} ${s.host}`),
        ['2 host1', '0 host1', '1 host2', '2 host1', '0 host1', '1 host2'],
        'both hosts serve a share',
      );
    });

    it('sends a member`s replies from its MAC though Linux routes them through carp0, and lets carp0 resolve the client', async () => {
      // Client 1 (10.77.0.101) selects member 2, carp2, on host A; carp0 has the first policy rule.
      const [client] = clients;
      if (client === undefined) return assert.fail('no client');
      assert.equal(legacyIndex('10.77.0.101', 3), 2);
      const since = lab.world.segment.log.length;
      assert.deepEqual(await ping(lab, client, '00:00:5e:00:01:03', 1), [{ host: 'host1', mac: '00:00:5e:00:01:03' }]);
      const relayed = (ifname: string): number => lab.daemon(1).counters().interfaces.find((i) => i.name === ifname)?.dataPlane?.framesOut ?? -1;
      assert.deepEqual([relayed('carp0'), relayed('carp2')], [2, 0], 'carp0`s ARP request and echo reply left, both as carp2');
      const asked = lab.world.segment.log.slice(since).flatMap(({ frame }) => {
        const ethernet = decodeEthernet(frame);
        if (ethernet.etherType !== ETHERTYPE_ARP) return [];
        const arp = decodeArp(frame, ethernet.payloadOffset);
        return arp.operation === ARP_OPERATION_REQUEST ? [`${formatMac(ethernet.source)} ${formatMac(arp.senderMac)}`] : [];
      });
      assert.deepEqual(asked, ['00:00:5e:00:01:03 00:00:5e:00:01:03'], 'the client`s cache keeps carp2`s MAC');
    });

    it('leaves every client to host B once host A`s cable is pulled', async () => {
      lab.world.host(1).kernel.setLinkState('eth0', { carrier: false });
      await lab.until(() => lab.state(2, 'carp0') === 'MASTER' && lab.state(2, 'carp2') === 'MASTER', MASTER_DOWN_MS + 1000);
      await checkEveryClient(lab, clients, 3, () => 'host2');
    });
  });

  describe('net.inet.carp.arpbalance=0', () => {
    it('answers from every interface that carries the address and is MASTER, each with its own MAC', async () => {
      await seedExample(lab, 2, '0');
      await lab.crash(2);
      await lab.until(() => lab.state(1, 'carp1') === 'MASTER', MASTER_DOWN_MS + 1000);
      const [client] = clients;
      if (client === undefined) return assert.fail('no client');
      const macs = (await resolve(lab, client)).map((a) => `${a.host} ${a.mac}`).sort();
      assert.deepEqual(macs, ['host1 00:00:5e:00:01:01', 'host1 00:00:5e:00:01:02']);
      await lab.ok(1, 'sysctl', 'net.inet.carp.arpbalance=1');
      assert.deepEqual(await resolve(lab, client), [{ host: 'host1', mac: '00:00:5e:00:01:01' }], 'arpbalance=1 takes effect at once');
      await lab.ok(1, 'sysctl', 'net.inet.carp.arpbalance=0');
      assert.equal((await resolve(lab, client)).length, 2, 'and 0 again');
    });

    it('takes net.inet.carp.arpbalance=1 from sysctl.conf at boot', async () => {
      await lab.start(1, { config: { 'sysctl.conf': 'net.inet.carp.arpbalance=1\n' } });
      for (const [k, name] of ['carp0', 'carp1'].entries()) {
        await lab.ok(1, name, 'create', 'vhid', String(k + 1), 'pass', PASS, 'carpdev', 'eth0');
        lab.world.host(1).kernel.ipAddrAdd(name, `${VIP}/24`);
      }
      answerLikeLinux(lab.world.host(1).kernel, ['carp0', 'carp1']);
      await lab.until(() => lab.state(1, 'carp0') === 'MASTER' && lab.state(1, 'carp1') === 'MASTER', 5000);
      const [client] = clients;
      if (client === undefined) return assert.fail('no client');
      assert.deepEqual(await resolve(lab, client), [{ host: 'host1', mac: '00:00:5e:00:01:01' }]);
    });
  });
});
