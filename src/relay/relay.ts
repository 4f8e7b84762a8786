/**
 * The data plane: carp ports (TAPs) and carpdev ports (packet sockets), wired together. The daemon
 * tells it what each carp interface looks like (carpdev, nodes, the MAC each node receives on,
 * addresses) and which of its nodes this host is MASTER of; the ports decide per frame. The relay
 * opens a packet socket per carpdev in use and closes it when unused, and applies
 * net.inet.carp.arpbalance, which the core only keeps (docs/protocol.md §4.6), and
 * net.inet.carp.fastpath: which interfaces the kernel carries instead (fast-path-eligibility.ts),
 * except while a packet capture listens on one (setCaptured).
 */
import { FrameRing } from './frame-batch';
import { type FastPathSpec, sameFastPath } from '../kernel/fast-path-commands';
import { fastPathFor } from './fast-path-eligibility';
import { type NativeBinding, type TapDevice, VNET_HEADER_LENGTH } from '../native/types';
import type { IpAddress, MacAddress } from '../wire/address';
import { type ArpBalanceGroup, arpBalanceGroups } from './arpbalance-groups';
import { ArpBalanceSender } from './arpbalance-sender';
import type { PortBalancing } from './balancing';
import { buildCarpdevFilter, packBpf } from './bpf';
import { CarpPort } from './carp-port';
import { CarpdevPort, type CarpdevSink } from './carpdev-port';
import type { CarpdevCounters, RelayCounters } from './counters';

export interface CarpPortShape {
  /** null until a carpdev is set, or while the carpdev does not exist. */
  readonly carpdev: string | null;
  /** The vhids of the interface's nodes, ascending: node i of the routes is vhids[i]. */
  readonly vhids: readonly number[];
  /** The MACs carpN receives on, each delivering to one node (or a node selector). */
  readonly macs: readonly { readonly mac: MacAddress; readonly node: number }[];
  readonly addresses: readonly IpAddress[];
  /** The node ARP requests and solicitations for the addresses go to (LEADER_NODE or BY_ARP_HASH). */
  readonly neighborNode: number;
  /** How carpN meets the wire; null before it has a vhid. */
  readonly balancing: PortBalancing | null;
  /** `ip link set carpN up`: an interface that is down is not counted by arpbalance. */
  readonly adminUp: boolean;
}

export interface RelaySink extends CarpdevSink {
  tapError(ifname: string, operation: 'read' | 'write', error: unknown): void;
}

/** Every data-plane counter, by carp interface and by carpdev. */
export interface RelayCounterSnapshot {
  readonly interfaces: ReadonlyMap<string, RelayCounters>;
  readonly carpdevs: ReadonlyMap<string, CarpdevCounters>;
}

/** Where the relay asks for the in-kernel data path of carp interfaces (src/kernel/fast-path.ts). */
export interface FastPathControl {
  want(ifname: string, spec: FastPathSpec | null): void;
  forget(ifname: string): void;
  useCarpdev(carpdev: string): void;
  prepareCarpdev(carpdev: string): void;
}

interface CarpEntry {
  readonly port: CarpPort;
  shape: CarpPortShape;
  /** The vhids this host is MASTER of, as the core last reported them. */
  masters: readonly number[];
  /** The in-kernel data path asked for. */
  fastPath: FastPathSpec | null;
  /** The one installed: the port and the carpdev's filter leave its frames to the kernel. */
  kernelCarries: FastPathSpec | null;
  inArpBalanceGroup: boolean;
}

export class Relay {
  private readonly carps = new Map<string, CarpEntry>();
  private readonly carpdevs = new Map<string, CarpdevPort>();
  private arpBalance = false;
  private fastPathEnabled = false;
  /** Carpdevs whose filter waits for the end of the turn (refreshKernelCarried). */
  private readonly staleFilters = new Set<string>();
  /** Carp interfaces a packet capture listens on: the relay carries them, so the capture sees what they send. */
  private captured: ReadonlySet<string> = new Set();

  /** The receive ring every carp port reads its TAP batches into (CarpPort). */
  private readonly tapRing = new FrameRing();

  constructor(
    private readonly binding: NativeBinding,
    private readonly sink: RelaySink,
    private readonly vnetHeader: boolean,
    /** null: the relay carries every frame itself. */
    private readonly fastPath: FastPathControl | null = null,
  ) {}

  addCarpInterface(ifname: string, tap: TapDevice, shape: CarpPortShape): void {
    const prefix = this.vnetHeader ? VNET_HEADER_LENGTH : 0;
    const port = new CarpPort(
      ifname,
      tap,
      prefix,
      (name, operation, e) => this.sink.tapError(name, operation, e),
      () => this.sink.beforeBatch?.(),
      this.tapRing,
    );
    this.carps.set(ifname, { port, shape, masters: [], fastPath: null, kernelCarries: null, inArpBalanceGroup: false });
    port.setBalancing(shape.balancing, shape.vhids.length);
    // The first request also clears what a crashed carpd left on carpN.
    this.fastPath?.want(ifname, null);
    this.reconcile();
  }

  removeCarpInterface(ifname: string): void {
    const entry = this.carps.get(ifname);
    if (!entry) return;
    this.takeBack(entry);
    this.fastPath?.forget(ifname);
    entry.port.stop();
    this.carps.delete(ifname);
    this.reconcile();
  }

  /** A new carpdev, node list, MAC or address list. Throws a NativeError if the carpdev cannot be opened. */
  reshape(ifname: string, shape: CarpPortShape): void {
    const entry = this.carps.get(ifname);
    if (!entry) return;
    entry.shape = shape;
    entry.port.setBalancing(shape.balancing, shape.vhids.length);
    entry.port.setMasters(nodeIndexes(shape, entry.masters));
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

  /** The vhids of carpN this host is MASTER of: the frames of those nodes pass. */
  setMasters(ifname: string, vhids: readonly number[]): void {
    const entry = this.carps.get(ifname);
    if (!entry) return;
    entry.masters = [...vhids];
    entry.port.setMasters(nodeIndexes(entry.shape, vhids));
    this.syncFastPath(ifname, entry);
  }

  /**
   * A node of carpN leaves MASTER: its frames stop passing, and its in-kernel data path goes, now,
   * before the rest of the state change is carried out (the link action after it sets the same
   * masters again). Every millisecond of that path after the change is the old MASTER answering.
   */
  leavingMaster(ifname: string, vhid: number): void {
    const entry = this.carps.get(ifname);
    if (entry?.masters.includes(vhid)) this.setMasters(ifname, entry.masters.filter((v) => v !== vhid));
  }

  /** net.inet.carp.fastpath: whether the kernel may carry the unicast IP frames of eligible interfaces. */
  setFastPathEnabled(on: boolean): void {
    if (on === this.fastPathEnabled) return;
    this.fastPathEnabled = on;
    if (on) for (const name of this.carpdevs.keys()) this.fastPath?.prepareCarpdev(name);
    for (const [ifname, entry] of this.carps) this.syncFastPath(ifname, entry);
    for (const name of this.carpdevs.keys()) this.refreshKernelCarried(name);
  }

  /**
   * The carp interfaces a packet capture listens on (src/daemon/capture-watch.ts). The kernel's
   * path would take what they send before their taps see it, so the relay carries their frames.
   */
  setCaptured(ifnames: ReadonlySet<string>): void {
    const before = this.captured;
    this.captured = ifnames;
    for (const [ifname, entry] of this.carps) {
      if (before.has(ifname) !== ifnames.has(ifname)) this.syncFastPath(ifname, entry);
    }
  }

  /** The kernel now carries what `spec` says: the port leaves those frames to it, if it is still what is wanted. */
  fastPathActive(ifname: string, spec: FastPathSpec): void {
    const entry = this.carps.get(ifname);
    if (entry?.fastPath !== spec) return;
    entry.kernelCarries = spec;
    entry.port.setFastPath(spec.mac);
    this.refreshKernelCarried(spec.carpdev);
  }

  /** net.inet.carp.arpbalance: whether carp interfaces that share an IPv4 address balance ARP. */
  setArpBalance(on: boolean): void {
    if (on === this.arpBalance) return;
    this.arpBalance = on;
    this.reconcile();
  }

  /** Sends frames the daemon built; throws if the carpdev has no socket or the send fails. */
  sendOwnFrames(carpdev: string, frames: readonly Buffer[]): number {
    const port = this.carpdevs.get(carpdev);
    if (!port) throw new Error(`${carpdev}: no packet socket (the interface does not exist)`);
    return port.sendOwnFrames(frames);
  }

  counters(): RelayCounterSnapshot {
    return {
      interfaces: new Map([...this.carps].map(([name, { port }]) => [name, port.snapshot()])),
      carpdevs: new Map([...this.carpdevs].map(([name, port]) => [name, port.snapshot()])),
    };
  }

  /** After a stall: drops every frame that queued up on the carpdevs meanwhile; returns how many. */
  discardQueued(): number {
    let discarded = 0;
    for (const port of this.carpdevs.values()) discarded += port.discardQueued();
    return discarded;
  }

  /** Closes the socket of a carpdev that disappeared (its ifindex is gone for good). */
  dropCarpdev(name: string): void {
    this.carpdevs.get(name)?.close();
    this.carpdevs.delete(name);
    for (const { port, shape } of this.carps.values()) {
      if (shape.carpdev === name) port.attach(null);
    }
  }

  close(): void {
    for (const [ifname, { port }] of this.carps) {
      port.setFastPath(null);
      this.fastPath?.forget(ifname);
      port.stop();
    }
    for (const port of this.carpdevs.values()) port.close();
    this.carps.clear();
    this.carpdevs.clear();
  }

  /** Opens sockets for carpdevs in use, closes unused ones, and re-installs every route table and arpbalance group. */
  private reconcile(): void {
    const wanted = new Set([...this.carps.values()].map((e) => e.shape.carpdev).filter((d): d is string => d !== null));
    for (const [name, port] of this.carpdevs) {
      if (!wanted.has(name)) {
        port.close();
        this.carpdevs.delete(name);
      }
    }
    for (const name of wanted) {
      if (this.carpdevs.has(name)) continue;
      this.carpdevs.set(name, this.openCarpdev(name));
      this.fastPath?.useCarpdev(name);
      if (this.fastPathEnabled) this.fastPath?.prepareCarpdev(name);
    }
    for (const { port, shape } of this.carps.values()) {
      port.attach(shape.carpdev === null ? null : (this.carpdevs.get(shape.carpdev) ?? null));
      port.setArpBalance(null);
    }
    for (const [name, carpdevPort] of this.carpdevs) {
      const attached = [...this.carps.values()].filter((e) => e.shape.carpdev === name);
      const groups = this.arpBalance ? arpBalanceGroups(attached) : [];
      carpdevPort.setRoutes(
        attached.map(({ port, shape }) => ({ port, macs: shape.macs, addresses: shape.addresses, neighborNode: shape.neighborNode })),
        groups,
      );
      const sender = groups.length === 0 ? null : new ArpBalanceSender(groups);
      for (const entry of attached) {
        entry.inArpBalanceGroup = isMember(groups, entry.port);
        if (entry.inArpBalanceGroup) entry.port.setArpBalance(sender);
      }
    }
    for (const [ifname, entry] of this.carps) this.syncFastPath(ifname, entry);
  }

  /**
   * Asks for the fast path carpN should have now. Before any change the port takes its frames
   * back, so between the request and its completion a frame may arrive twice but is never lost.
   */
  private syncFastPath(ifname: string, entry: CarpEntry): void {
    if (this.fastPath === null) return;
    const wanted = this.fastPathEnabled && !this.captured.has(ifname) ? fastPathFor(ifname, entry.shape, entry.masters, entry.inArpBalanceGroup) : null;
    if (sameFastPath(wanted, entry.fastPath)) return;
    this.takeBack(entry);
    entry.fastPath = wanted;
    this.fastPath.want(ifname, wanted);
  }

  /** The relay carries carpN's frames again, from now on: before the kernel path is asked to go. */
  private takeBack(entry: CarpEntry): void {
    const carried = entry.kernelCarries;
    if (carried === null) return;
    entry.kernelCarries = null;
    entry.port.setFastPath(null);
    // At once, before the kernel's path goes: a filter that still left out this MAC would drop
    // its frames. Letting every frame through costs copies of the MACs the kernel still carries
    // (their ports drop them) until the exact filter follows at the end of the turn.
    this.carpdevs.get(carried.carpdev)?.setKernelCarried([]);
    this.refreshKernelCarried(carried.carpdev);
  }

  /**
   * Rebuilds the carpdev's filter once, at the end of this turn, for all the changes of the turn:
   * a takeover or leave of hundreds of interfaces comes as hundreds of calls, and the filter
   * lists every MAC the kernel carries on the carpdev. The carp ports decide on their own
   * meanwhile (setFastPath); a filter that does not yet leave out a new MAC costs copies, and
   * takeBack opens the filter at once, so that none ever leaves out a MAC the kernel no longer carries.
   */
  private refreshKernelCarried(carpdev: string): void {
    if (this.staleFilters.size === 0) queueMicrotask(() => this.applyKernelCarried());
    this.staleFilters.add(carpdev);
  }

  private applyKernelCarried(): void {
    for (const carpdev of this.staleFilters) {
      const macs = [...this.carps.values()].flatMap((e) => (e.kernelCarries?.carpdev === carpdev ? [e.kernelCarries.mac] : []));
      this.carpdevs.get(carpdev)?.setKernelCarried(macs);
    }
    this.staleFilters.clear();
  }

  private openCarpdev(name: string): CarpdevPort {
    // The filter is attached before the socket is bound, so no unfiltered frame is ever queued.
    const filter = packBpf(buildCarpdevFilter());
    const socket = this.binding.openPacketSocket(name, { filter, vnetHeader: this.vnetHeader });
    return new CarpdevPort(name, socket, this.sink, this.vnetHeader);
  }
}

function isMember(groups: readonly ArpBalanceGroup<CarpPort>[], port: CarpPort): boolean {
  return groups.some((g) => g.members.some((m) => m.port === port));
}

/** The node indexes of `vhids` in the shape's vhid order; vhids it no longer has are left out. */
function nodeIndexes(shape: CarpPortShape, vhids: readonly number[]): number[] {
  return vhids.map((vhid) => shape.vhids.indexOf(vhid)).filter((index) => index >= 0);
}
