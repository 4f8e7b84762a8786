import assert from 'node:assert/strict';
import type { Action } from '../../src/carp/types';
import { CarpEventLog } from '../../src/daemon/carp-event-log';
import { ActionExecutor, type ExecutorDeps } from '../../src/daemon/executor';
import { createLogger } from '../../src/daemon/logger';
import { type IpAddress, formatIp, formatMac, parseIp, parseMac, virtualMac } from '../../src/wire/address';
import { decodeArp } from '../../src/wire/arp';
import { CARP_IPV4_GROUP, CARP_IPV6_GROUP, decodeCarp } from '../../src/wire/carp';
import { decodeEthernet } from '../../src/wire/ethernet';
import { parseCarpFrame } from '../../src/wire/frames';
import { decodeIpv4 } from '../../src/wire/ipv4';
import { V1_HEADER } from '../wire/vectors';

interface Recorded {
  sent: { carpdev: string; frames: Buffer[] }[];
  toPeers: { carpdev: string; peer: IpAddress; packet: Buffer }[];
  reports: [string, number, boolean][];
  carriers: [string, boolean][];
  masters: [string, readonly number[]][];
}

const CARPDEV_MAC = parseMac('02:00:00:00:00:01');

function executor(overrides: Partial<ExecutorDeps> = {}): { exec: ActionExecutor; rec: Recorded; kernelChange: () => void } {
  const rec: Recorded = { sent: [], toPeers: [], reports: [], carriers: [], masters: [] };
  const kernelListeners: (() => void)[] = [];
  const logger = createLogger('silent');
  const deps: ExecutorDeps = {
    interfaceMac: (ifname) => (ifname === 'eth0' ? CARPDEV_MAC : virtualMac(1)),
    addresses: (ifname): IpAddress[] =>
      ifname === 'eth0' ? [parseIp('198.51.100.2'), parseIp('198.51.100.3')] : [parseIp('192.0.2.10')],
    sendFrames: (carpdev, frames) => void rec.sent.push({ carpdev, frames: frames.map((f) => Buffer.from(f)) }),
    sendToPeer: (carpdev, peer, packet) => void rec.toPeers.push({ carpdev, peer, packet }),
    setCarrier: (ifname, up) => void rec.carriers.push([ifname, up]),
    setMasters: (ifname, vhids) => void rec.masters.push([ifname, vhids]),
    reportSends: (outcomes) => void rec.reports.push(...outcomes.map((o): [string, number, boolean] => [o.ifname, o.vhid, o.ok])),
    dscp: () => 4,
    ipv6Forwarding: () => true,
    onKernelChange: (listener) => void kernelListeners.push(listener),
    events: new CarpEventLog(logger, () => 7, () => 0),
    failure: () => undefined,
    ...overrides,
  };
  return { exec: new ActionExecutor(deps), rec, kernelChange: () => kernelListeners.forEach((listener) => listener()) };
}

/** The source address of an IPv6 packet, as text. */
function ipv6Source(packet: Buffer): string {
  return formatIp({ family: 6, bytes: packet.subarray(8, 24) });
}

const advertise = {
  kind: 'advertise',
  ifname: 'carp0',
  carpdev: 'eth0',
  vhid: 1,
  sourceMac: virtualMac(1),
  family: 4,
  destination: CARP_IPV4_GROUP,
  protocol: 'carp',
  payload: V1_HEADER,
  bowOut: false,
} satisfies Action;

describe('daemon/executor', () => {
  it('sends an advertisement from the virtual MAC and the carpdev`s first IPv4 address, TOS from the DSCP', () => {
    const { exec, rec } = executor();
    exec.execute(advertise);
    exec.flush();
    const frame = rec.sent[0]?.frames[0] as Buffer;
    assert.equal(rec.sent[0]?.carpdev, 'eth0');
    assert.equal(formatMac(decodeEthernet(frame).source), '00:00:5e:00:01:01');
    const packet = parseCarpFrame(frame);
    assert.equal(formatIp(packet.source), '198.51.100.2');
    assert.equal(packet.ttl, 255);
    assert.equal(decodeIpv4(frame, 14).tos, 0x10);
    assert.deepEqual(decodeCarp(packet.payload).hmac, decodeCarp(V1_HEADER).hmac);
    assert.deepEqual(rec.reports, [['carp0', 1, true]]);
  });

  it('reports a failed send to the core (send-error demotion) instead of throwing', () => {
    const { exec, rec } = executor({
      sendFrames: () => {
        throw new Error('eth0: sendmmsg: Network is down');
      },
    });
    exec.execute(advertise);
    exec.flush();
    assert.deepEqual(rec.reports, [['carp0', 1, false]]);
  });

  it('falls back to the carp interface`s own address when the carpdev has none of the family', () => {
    const { exec, rec } = executor({ addresses: (ifname) => (ifname === 'eth0' ? [] : [parseIp('192.0.2.10')]) });
    exec.execute(advertise);
    exec.flush();
    assert.equal(formatIp(parseCarpFrame(rec.sent[0]?.frames[0] as Buffer).source), '192.0.2.10');
  });

  it('announces IPv4 addresses with gratuitous ARP and IPv6 ones with an unsolicited NA (Router flag when forwarding)', () => {
    const { exec, rec } = executor();
    exec.execute({
      kind: 'announce',
      ifname: 'carp0',
      carpdev: 'eth0',
      vhid: 1,
      mac: virtualMac(1),
      addresses: [parseIp('192.0.2.10'), parseIp('2001:db8::10')],
      occasion: 'takeover',
    });
    exec.flush();
    const [arp, na] = rec.sent[0]?.frames ?? [];
    const request = decodeArp(arp as Buffer, 14);
    assert.equal(formatIp(request.senderIp), '192.0.2.10');
    assert.equal(formatIp(request.targetIp), '192.0.2.10');
    assert.equal(formatMac(request.senderMac), '00:00:5e:00:01:01');
    assert.equal(formatMac(decodeEthernet(na as Buffer).destination), '33:33:00:00:00:01');
    // ICMPv6 type 136 right after the 40-byte IPv6 header, flags byte: R (0x80) and O (0x20).
    assert.equal((na as Buffer)[14 + 40], 136);
    assert.equal((na as Buffer)[14 + 40 + 4], 0xa0);
  });

  it('sends from the carpdev`s own MAC when the core names no virtual one', () => {
    const { exec, rec } = executor();
    exec.execute({ ...advertise, sourceMac: null } as Action);
    exec.flush();
    assert.equal(formatMac(decodeEthernet(rec.sent[0]?.frames[0] as Buffer).source), formatMac(CARPDEV_MAC));
  });

  it('sends an advertisement to a carppeer as an IP packet for the kernel to deliver, TTL 255', () => {
    const { exec, rec } = executor();
    exec.execute({ ...advertise, destination: parseIp('198.51.100.9') });
    assert.deepEqual(rec.sent, []);
    const [sent] = rec.toPeers;
    assert.equal(sent?.carpdev, 'eth0');
    assert.equal(formatIp(sent.peer), '198.51.100.9');
    const ip = decodeIpv4(sent.packet, 0);
    assert.deepEqual([formatIp(ip.source), formatIp(ip.destination), ip.ttl, ip.protocol, ip.tos], ['198.51.100.2', '198.51.100.9', 255, 112, 0x10]);
    assert.deepEqual(sent.packet.subarray(20), V1_HEADER);
    assert.deepEqual(rec.reports, [], 'its outcome is reported with the round`s, at the flush');
    exec.flush();
    assert.deepEqual(rec.reports, [['carp0', 1, true]]);
  });

  it('sends to a global IPv6 carppeer from the carpdev`s global address, to a link-local one from its link-local', () => {
    const eth0 = [parseIp('fe80::1'), parseIp('2001:db8::1')];
    const { exec, rec } = executor({ addresses: (ifname) => (ifname === 'eth0' ? eth0 : []) });
    exec.execute({ ...advertise, family: 6, destination: parseIp('2001:db8::2') });
    exec.execute({ ...advertise, family: 6, destination: parseIp('fe80::2') });
    assert.deepEqual(
      rec.toPeers.map((s) => ipv6Source(s.packet)),
      ['2001:db8::1', 'fe80::1'],
    );
  });

  it('reports a failed send to a carppeer to the core', () => {
    const { exec, rec } = executor({
      sendToPeer: () => {
        throw new Error('eth0: sendto: Network is unreachable');
      },
    });
    exec.execute({ ...advertise, destination: parseIp('198.51.100.9') });
    exec.flush();
    assert.deepEqual(rec.reports, [['carp0', 1, false]]);
  });

  it('counts an advertisement it cannot address as a failed send', () => {
    const { exec, rec } = executor({ addresses: () => [] });
    exec.execute(advertise);
    exec.flush();
    assert.deepEqual(rec.sent, []);
    assert.deepEqual(rec.reports, [['carp0', 1, false]]);
  });

  it('turns a link action into the relay`s accept set and the carrier', () => {
    const { exec, rec } = executor();
    exec.execute({ kind: 'link', ifname: 'carp0', up: true, masters: [1, 3] });
    assert.deepEqual(rec.masters, [['carp0', [1, 3]]]);
    assert.deepEqual(rec.carriers, [['carp0', true]]);
  });

  it('reports a carrier that cannot be set, and a failed announcement, without throwing', () => {
    const failures: string[] = [];
    const { exec, rec } = executor({
      setCarrier: () => {
        throw new Error('TUNSETCARRIER: Bad file descriptor');
      },
      sendFrames: () => {
        throw new Error('sendmmsg: Network is down');
      },
      failure: (message) => void failures.push(message),
    });
    exec.execute({ kind: 'link', ifname: 'carp0', up: false, masters: [] });
    exec.execute({ kind: 'announce', ifname: 'carp0', carpdev: 'eth0', vhid: 1, mac: virtualMac(1), addresses: [parseIp('192.0.2.10')], occasion: 'takeover' });
    exec.flush();
    assert.deepEqual(rec.masters, [['carp0', []]], 'the accept set changes even when the carrier cannot');
    assert.deepEqual(failures, ['carp0: carrier could not be set off', 'carp0: gratuitous ARP / neighbour advertisement not sent']);
  });
  it('sends the frames of the actions before a flush in one call per carpdev, in order, each as it is sent alone', () => {
    const alone = (action: Action): Buffer[] => {
      const { exec, rec } = executor();
      exec.execute(action);
      exec.flush();
      return rec.sent.flatMap((s) => s.frames);
    };
    const second = { ...advertise, ifname: 'carp1', vhid: 2 };
    const onEth1 = { ...advertise, ifname: 'carp2', carpdev: 'eth1', vhid: 3 };
    const announce = { kind: 'announce', ifname: 'carp0', carpdev: 'eth0', vhid: 1, mac: virtualMac(1), addresses: [parseIp('192.0.2.10')], occasion: 'takeover' } satisfies Action;
    const { exec, rec } = executor();
    for (const action of [advertise, onEth1, second, announce] as Action[]) exec.execute(action);
    assert.equal(rec.sent.length, 0, 'nothing is sent before the flush');
    assert.equal(rec.reports.length, 0, 'and no outcome is reported');
    exec.flush();
    assert.deepEqual(rec.sent.map((s) => [s.carpdev, s.frames.length]), [['eth0', 3], ['eth1', 1]]);
    // The IPv4 identification is random, and the header checksum covers it.
    const withoutIpId = (frame: Buffer): Buffer => Buffer.concat([frame.subarray(0, 18), frame.subarray(20, 24), frame.subarray(26)]);
    const expected = [advertise, second, announce].flatMap((a) => alone(a as Action));
    assert.deepEqual(rec.sent[0]?.frames.map(withoutIpId), expected.map(withoutIpId));
    assert.deepEqual(rec.reports, [['carp0', 1, true], ['carp1', 2, true], ['carp2', 3, true]]);
    exec.flush();
    assert.equal(rec.sent.length, 2, 'a flush with nothing waiting sends nothing');
  });

  it('reports the outcomes of a round in one call, after its frames went out, a carppeer`s among them', () => {
    const events: string[] = [];
    const { exec } = executor({
      sendFrames: (carpdev, frames) => void events.push(`sent ${frames.length} on ${carpdev}`),
      sendToPeer: () => void events.push('sent to peer'),
      reportSends: (outcomes) => void events.push(`report ${outcomes.map((o) => `${o.ifname}/${o.vhid} ${o.ok}`).join(', ')}`),
    });
    exec.execute(advertise);
    exec.execute({ ...advertise, ifname: 'carp1', vhid: 2, destination: parseIp('198.51.100.9') });
    exec.execute({ ...advertise, ifname: 'carp2', vhid: 3 });
    exec.flush();
    assert.deepEqual(events, ['sent to peer', 'sent 2 on eth0', 'report carp1/2 true, carp0/1 true, carp2/3 true']);
  });

  it('reports every action of a carpdev whose send failed as failed, and the others as sent', () => {
    const failures: string[] = [];
    const { exec, rec } = executor({
      sendFrames: (carpdev) => {
        if (carpdev === 'eth0') throw new Error('eth0: sendmmsg: Network is down');
      },
      failure: (message) => void failures.push(message),
    });
    exec.execute(advertise);
    exec.execute({ ...advertise, ifname: 'carp2', carpdev: 'eth1', vhid: 3 });
    exec.execute({ kind: 'announce', ifname: 'carp0', carpdev: 'eth0', vhid: 1, mac: virtualMac(1), addresses: [parseIp('192.0.2.10')], occasion: 'takeover' });
    exec.flush();
    assert.deepEqual(rec.reports, [['carp0', 1, false], ['carp2', 3, true]]);
    assert.deepEqual(failures, ['carp0: gratuitous ARP / neighbour advertisement not sent']);
  });
});

describe('daemon/executor: an advertisement the core hands out again', () => {
  /** The frames of `rounds` executions of the same action, each flushed on its own. */
  function rounds(exec: ActionExecutor, rec: Recorded, action: Action, count: number): Buffer[] {
    for (let i = 0; i < count; i++) {
      exec.execute(action);
      exec.flush();
    }
    return rec.sent.slice(-count).map((s) => s.frames[0] as Buffer);
  }

  /** The frame without the IPv4 identification and checksum (bytes 4-5 and 10-11 of the header). */
  const withoutIdentification = (frame: Buffer): Buffer => Buffer.concat([frame.subarray(0, 14 + 4), frame.subarray(14 + 6, 14 + 10), frame.subarray(14 + 12)]);

  it('goes out as the same frame with a fresh IPv4 identification each time, and a header checksum that holds', () => {
    const { exec, rec } = executor();
    const frames = rounds(exec, rec, advertise, 8);
    for (const frame of frames) {
      assert.deepEqual(withoutIdentification(frame), withoutIdentification(frames[0] as Buffer));
      decodeIpv4(frame, 14);
    }
    assert.ok(new Set(frames.map((f) => decodeIpv4(f, 14).id)).size > 1, 'the identification is drawn for every packet');
    assert.deepEqual(rec.reports.length, 8);
  });

  it('goes out unchanged over IPv6, which has no identification', () => {
    const { exec, rec } = executor({ addresses: () => [parseIp('fe80::2')] });
    const [first, second] = rounds(exec, rec, { ...advertise, family: 6, destination: CARP_IPV6_GROUP }, 2);
    assert.ok(first && second);
    assert.deepEqual(second, first);
    assert.equal(ipv6Source(first.subarray(14)), 'fe80::2');
  });

  it('is built anew after a kernel change: the carpdev`s new first address and, when the core names none, its new MAC', () => {
    let carpdevAddress = parseIp('198.51.100.2');
    let carpdevMac = CARPDEV_MAC;
    const { exec, rec, kernelChange } = executor({ addresses: () => [carpdevAddress], interfaceMac: () => carpdevMac });
    const fromCarpdev = { ...advertise, sourceMac: null };
    rounds(exec, rec, fromCarpdev, 1);
    carpdevAddress = parseIp('198.51.100.9');
    carpdevMac = parseMac('02:00:00:00:00:99');
    kernelChange();
    const [frame] = rounds(exec, rec, fromCarpdev, 1);
    assert.equal(formatIp(parseCarpFrame(frame as Buffer).source), '198.51.100.9');
    assert.equal(formatMac(decodeEthernet(frame as Buffer).source), '02:00:00:00:00:99');
  });

  it('is built anew when net.inet.carp.dscp changed', () => {
    let dscp = 4;
    const { exec, rec } = executor({ dscp: () => dscp });
    rounds(exec, rec, advertise, 1);
    dscp = 46;
    const [frame] = rounds(exec, rec, advertise, 1);
    assert.equal(decodeIpv4(frame as Buffer, 14).tos, 46 << 2);
  });
});
