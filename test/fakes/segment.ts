/**
 * One Ethernet segment in memory: the hosts' NICs and the test's client endpoints are its ports.
 * As a hub it repeats every frame to every other port; as a learning switch it sends a unicast
 * frame to a known destination only to the port that MAC was last seen on as a source (what a
 * "stealth" mode must keep a switch from learning for a virtual MAC). Short frames are padded to
 * the 60-byte minimum, as a NIC pads them on transmit. Each port filters like NIC hardware: its
 * own MAC, broadcast, the groups and extra unicast MACs it was told to accept, or everything when
 * promiscuous. Every frame that went out is kept in `log`.
 */
import type { Millis } from '../../src/carp/types';
import { BROADCAST_MAC, type MacAddress, formatMac, parseMac } from '../../src/wire/address';
import { ETHERNET_HEADER_LENGTH, ETHERNET_MIN_FRAME_LENGTH } from '../../src/wire/ethernet';
import type { Scheduler } from './scheduler';

export type SegmentMode = 'hub' | 'switch';

/** A frame as it was on the wire. */
export interface WireFrame {
  readonly at: Millis;
  /** The name of the port that sent it. */
  readonly port: string;
  readonly frame: Buffer;
}

/** 224.0.0.1 and ff02::1: every IPv4 and IPv6 host's kernel listens to these two groups. */
export const ALL_HOSTS_MAC = parseMac('01:00:5e:00:00:01');
export const ALL_NODES_MAC = parseMac('33:33:00:00:00:01');

const isMulticast = (mac: Uint8Array): boolean => ((mac[0] as number) & 0x01) !== 0;

export class Port {
  /** Accepts every frame (IFF_PROMISC). */
  promiscuous = false;
  /** Frames pass either way only while true; a host's kernel sets it from its link (up, carrier). */
  running = true;
  /** MAC -> how many users asked for it: a device's address lists are reference-counted. */
  private readonly accepted = new Map<string, number>();
  private readonly listeners = new Set<(frame: Buffer) => void>();

  constructor(
    readonly name: string,
    public mac: MacAddress,
    private readonly segment: Segment,
  ) {}

  /** Also accept frames to `mac`: a multicast group, or an extra unicast address. */
  accept(mac: MacAddress): void {
    const key = formatMac(mac);
    this.accepted.set(key, (this.accepted.get(key) ?? 0) + 1);
  }

  /** Undoes one `accept(mac)`. */
  unaccept(mac: MacAddress): void {
    const key = formatMac(mac);
    const count = this.accepted.get(key);
    if (count === undefined) throw new Error(`${this.name}: ${key} was not accepted`);
    if (count > 1) this.accepted.set(key, count - 1);
    else this.accepted.delete(key);
  }

  /** The hardware filter: would this port take a frame sent to `destination`? */
  accepts(destination: Uint8Array): boolean {
    if (this.promiscuous || this.mac.equals(destination) || BROADCAST_MAC.equals(destination)) return true;
    return this.accepted.has(formatMac(destination));
  }

  /** Puts a frame on the wire (padded to the Ethernet minimum); false if the port is not running. */
  send(frame: Uint8Array): boolean {
    if (frame.length < ETHERNET_HEADER_LENGTH) {
      throw new Error(`${this.name}: a ${frame.length}-byte frame has no Ethernet header`);
    }
    return this.running && this.segment.transmit(this, frame);
  }

  /** Calls `listener` with every frame this port accepts; returns the function that stops it. */
  onFrame(listener: (frame: Buffer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** @internal The segment hands over a frame; the port filters it. */
  receive(frame: Buffer): void {
    if (!this.running || !this.accepts(frame.subarray(0, 6))) return;
    for (const listener of [...this.listeners]) listener(Buffer.from(frame));
  }
}

/** A test's client machine: a port that keeps what it accepted. */
export class Endpoint extends Port {
  readonly received: Buffer[] = [];

  constructor(name: string, mac: MacAddress, segment: Segment) {
    super(name, mac, segment);
    this.accept(ALL_HOSTS_MAC);
    this.accept(ALL_NODES_MAC);
    this.onFrame((frame) => this.received.push(frame));
  }
}

export class Segment {
  readonly log: WireFrame[] = [];
  private readonly ports = new Map<string, Port>();
  /** Switch mode: MAC -> the port it was last seen on as a source. */
  private readonly macTable = new Map<string, Port>();

  constructor(
    private readonly scheduler: Scheduler,
    readonly mode: SegmentMode = 'hub',
  ) {}

  /** A NIC for a host; the host's FakeKernel drives `running` and the accepted groups. */
  attachNic(name: string, mac: MacAddress): Port {
    return this.attach(new Port(name, Buffer.from(mac), this));
  }

  /** A client that listens to all-hosts and all-nodes, like any IPv4/IPv6 host. */
  attachEndpoint(name: string, mac: MacAddress): Endpoint {
    return this.attach(new Endpoint(name, Buffer.from(mac), this));
  }

  /** Switch mode: the port that `mac` was learned on. */
  learnedPort(mac: MacAddress): string | undefined {
    return this.macTable.get(formatMac(mac))?.name;
  }

  /** The frames that went out with source MAC `mac`. */
  framesFrom(mac: MacAddress): WireFrame[] {
    return this.log.filter((entry) => mac.equals(entry.frame.subarray(6, 12)));
  }

  /** @internal Port.send. Copies the frame at once: the sender's buffer is reused. */
  transmit(from: Port, frame: Uint8Array): boolean {
    const wire = Buffer.alloc(Math.max(frame.length, ETHERNET_MIN_FRAME_LENGTH));
    wire.set(frame);
    this.log.push({ at: this.scheduler.clock.now(), port: from.name, frame: wire });
    const destination = wire.subarray(0, 6);
    const source = wire.subarray(6, 12);
    if (this.mode === 'switch' && !isMulticast(source)) this.macTable.set(formatMac(source), from);
    const known = this.mode === 'switch' && !isMulticast(destination) ? this.macTable.get(formatMac(destination)) : undefined;
    const targets = known ? [known] : [...this.ports.values()];
    const receivers = targets.filter((port) => port !== from);
    this.scheduler.soon(() => {
      for (const port of receivers) port.receive(wire);
    }, `frame from ${from.name}`);
    return true;
  }

  private attach<P extends Port>(port: P): P {
    if (this.ports.has(port.name)) throw new Error(`the segment already has a port ${port.name}`);
    this.ports.set(port.name, port);
    return port;
  }
}
