/**
 * The data plane: carp ports (TAPs) and carpdev ports (packet sockets), wired together. The daemon
 * tells it what each carp interface looks like (carpdev, MAC, addresses) and whether it may pass
 * frames (MASTER); the relay opens a packet socket per carpdev in use and closes it when unused.
 */
import type { NativeBinding, TapDevice } from '../native/types';
import type { IpAddress, MacAddress } from '../wire/address';
import { CarpPort } from './carp-port';
import { CarpdevPort, type CarpdevSink } from './carpdev-port';
import type { RelayCounters } from './counters';
import { buildCarpdevFilter, packBpf } from './bpf';

export interface CarpPortShape {
  /** null until a carpdev is set, or while the carpdev does not exist. */
  readonly carpdev: string | null;
  readonly mac: MacAddress;
  readonly addresses: readonly IpAddress[];
}

export interface RelaySink extends CarpdevSink {
  tapError(ifname: string, operation: 'read' | 'write', error: unknown): void;
}

interface CarpEntry {
  readonly port: CarpPort;
  shape: CarpPortShape;
}

export class Relay {
  private readonly carps = new Map<string, CarpEntry>();
  private readonly carpdevs = new Map<string, CarpdevPort>();

  constructor(
    private readonly binding: NativeBinding,
    private readonly sink: RelaySink,
    private readonly vnetHeader: boolean,
  ) {}

  addCarpInterface(ifname: string, tap: TapDevice, shape: CarpPortShape): void {
    const port = new CarpPort(ifname, tap, (name, operation, e) => this.sink.tapError(name, operation, e));
    this.carps.set(ifname, { port, shape });
    this.reconcile();
  }

  removeCarpInterface(ifname: string): void {
    const entry = this.carps.get(ifname);
    if (!entry) return;
    entry.port.stop();
    this.carps.delete(ifname);
    this.reconcile();
  }

  /** A new carpdev, MAC or address list. Throws a NativeError if the carpdev cannot be opened. */
  reshape(ifname: string, shape: CarpPortShape): void {
    const entry = this.carps.get(ifname);
    if (!entry) return;
    entry.shape = shape;
    this.reconcile();
  }

  /**
   * Opens and closes a packet socket on `name`, so that a carpdev we could not attach to (no
   * CAP_NET_RAW, not a device that takes packet sockets) is refused before it is configured.
   * Throws the NativeError.
   */
  checkCarpdev(name: string): void {
    if (!this.carpdevs.has(name)) this.openCarpdev(name).close();
  }

  /** MASTER or not: whether frames pass between carpN and its carpdev. */
  setForwarding(ifname: string, forwarding: boolean): void {
    const entry = this.carps.get(ifname);
    if (entry) entry.port.forwarding = forwarding;
  }

  /** Sends frames the daemon built; throws if the carpdev has no socket or the send fails. */
  sendOwnFrames(carpdev: string, frames: readonly Buffer[]): number {
    const port = this.carpdevs.get(carpdev);
    if (!port) throw new Error(`${carpdev}: no packet socket (the interface does not exist)`);
    return port.sendOwnFrames(frames);
  }

  counters(ifname: string): Readonly<RelayCounters> | null {
    return this.carps.get(ifname)?.port.counters ?? null;
  }

  /** Closes the socket of a carpdev that disappeared (its ifindex is gone for good). */
  dropCarpdev(name: string): void {
    this.carpdevs.get(name)?.close();
    this.carpdevs.delete(name);
    for (const { port } of this.carps.values()) {
      if (port.carpdev?.name === name) port.carpdev = null;
    }
  }

  close(): void {
    for (const { port } of this.carps.values()) port.stop();
    for (const port of this.carpdevs.values()) port.close();
    this.carps.clear();
    this.carpdevs.clear();
  }

  /** Opens sockets for carpdevs in use, closes unused ones, and re-installs every route table. */
  private reconcile(): void {
    const wanted = new Set([...this.carps.values()].map((e) => e.shape.carpdev).filter((d): d is string => d !== null));
    for (const [name, port] of this.carpdevs) {
      if (!wanted.has(name)) {
        port.close();
        this.carpdevs.delete(name);
      }
    }
    for (const name of wanted) {
      if (!this.carpdevs.has(name)) this.carpdevs.set(name, this.openCarpdev(name));
    }
    for (const [name, carpdevPort] of this.carpdevs) {
      const attached = [...this.carps.values()].filter((e) => e.shape.carpdev === name);
      for (const { port } of attached) port.carpdev = carpdevPort;
      carpdevPort.setRoutes(attached.map(({ port, shape }) => ({ port, mac: shape.mac, addresses: shape.addresses })));
    }
    for (const { port, shape } of this.carps.values()) {
      if (shape.carpdev === null) port.carpdev = null;
    }
  }

  private openCarpdev(name: string): CarpdevPort {
    // The socket is opened with a program that already passes advertisements; setRoutes()
    // replaces it with the full one before the first read is processed.
    const filter = packBpf(buildCarpdevFilter({ virtualMacs: [], addresses: [] }));
    const socket = this.binding.openPacketSocket(name, { filter, vnetHeader: this.vnetHeader });
    return new CarpdevPort(name, socket, this.sink, this.vnetHeader);
  }
}
