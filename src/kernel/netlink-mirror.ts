/**
 * KernelMirror over rtnetlink (docs/design.md "What the kernel must be told"; model: OpenBSD ospfd kroute.c). One socket
 * both listens and dumps, so notifications and dump parts arrive in the order the kernel produced
 * them and are applied in that order: subscribe first, then dump, and nothing is lost in between.
 *
 * Whatever the kernel sends is survived: malformed messages and unknown types are counted and
 * skipped; a receive-buffer overrun (ENOBUFS: notifications were dropped) or an interrupted dump
 * triggers a resynchronization, a fresh dump whose differences are emitted as events; errors go to
 * `onError`, never up the event loop.
 */
import { formatMessage, parseMessages, type NetlinkMessage } from 'netlink';
import { KernelError, errnoError } from './errors';
import type { SweepKind } from './mirror-state';
import { MirrorView } from './mirror-view';
import { type TransportError, type TransportFactory, type RtnlTransport, openRouteSocket } from './netlink-transport';
import { decodeAddress, decodeErrno, decodeLink, encodeDumpRequest, type DecodedLink } from './rtnetlink-codec';
import * as c from './rtnetlink-constants';
import type { KernelEvent, KernelMirror, LinkInfo, MirrorCounters } from './types';

export interface NetlinkMirrorOptions {
  /** Errors that must not stop the daemon: socket errors, overruns, malformed messages, listener throws. */
  readonly onError?: (error: Error) => void;
  /** The rtnetlink socket; tests inject one. */
  readonly openTransport?: TransportFactory;
}

interface PendingDump {
  readonly seq: number;
  readonly kind: SweepKind;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const GROUPS = [c.RTNLGRP_LINK, c.RTNLGRP_IPV4_IFADDR, c.RTNLGRP_IPV6_IFADDR];

function toLinkInfo(link: DecodedLink): LinkInfo {
  const hardware = link.hardwareAddress;
  return {
    index: link.index,
    name: link.name,
    mac: link.type === c.ARPHRD_ETHER && hardware?.length === 6 ? Buffer.from(hardware) : null,
    adminUp: (link.flags & c.IFF_UP) !== 0,
    lowerUp: (link.flags & c.IFF_LOWER_UP) !== 0,
    mtu: link.mtu,
  };
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

export class NetlinkMirror extends MirrorView implements KernelMirror {
  readonly counters: MirrorCounters = { malformed: 0, ignored: 0, overruns: 0, resyncs: 0 };
  private readonly reportError: (error: Error) => void;
  private readonly openTransport: TransportFactory;
  private transport: RtnlTransport | null = null;
  private starting: Promise<void> | null = null;
  private started = false;
  private closed = false;
  private syncing = false;
  private synchronizedOnce = false;
  private resyncWanted = false;
  private dump: PendingDump | null = null;
  private nextSeq = 1;

  constructor(options: NetlinkMirrorOptions = {}) {
    super();
    this.reportError = options.onError ?? ((error) => process.emitWarning(error));
    this.openTransport = options.openTransport ?? openRouteSocket;
  }

  start(): Promise<void> {
    this.starting ??= this.run();
    return this.starting;
  }


  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dump?.reject(new KernelError('ECANCELED', 'kernel mirror closed'));
    this.dump = null;
    this.transport?.close();
    this.transport = null;
  }

  private async run(): Promise<void> {
    if (this.closed) throw new KernelError('ECANCELED', 'kernel mirror closed');
    this.transport = this.openTransport({
      datagram: (data) => this.onDatagram(data),
      error: (error) => this.onTransportError(error),
    });
    try {
      for (const group of GROUPS) this.transport.join(group);
      await this.synchronize();
    } catch (e: unknown) {
      this.close();
      throw e;
    }
    this.started = true;
  }

  /** Dumps links, then addresses, again as long as something was lost meanwhile. */
  private async synchronize(): Promise<void> {
    this.syncing = true;
    try {
      do {
        if (this.synchronizedOnce) this.counters.resyncs++;
        this.synchronizedOnce = true;
        this.resyncWanted = false;
        await this.sweep(c.RTM_GETLINK, 'links');
        await this.sweep(c.RTM_GETADDR, 'addresses');
      } while (this.resyncWanted && !this.closed);
    } finally {
      this.syncing = false;
    }
  }

  private sweep(type: typeof c.RTM_GETLINK | typeof c.RTM_GETADDR, kind: SweepKind): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.transport) {
        reject(new KernelError('ECANCELED', 'kernel mirror closed'));
        return;
      }
      const seq = this.nextSeq++;
      const dump: PendingDump = { seq, kind, resolve, reject };
      this.dump = dump;
      this.state.beginSweep(kind);
      const flags = c.NLM_F_REQUEST | c.NLM_F_DUMP;
      this.transport.send(formatMessage({ type, flags, seq, port: 0, data: encodeDumpRequest(type) }), (error) => {
        if (this.dump !== dump) return;
        this.dump = null;
        this.state.abortSweep();
        reject(new KernelError(error.code ?? 'EIO', `kernel mirror: dump of ${kind}: ${error.message}`));
      });
    });
  }

  private requestResync(): void {
    this.resyncWanted = true;
    if (this.syncing || !this.started || this.closed) return; // a running synchronize() loops again
    this.synchronize().catch((e: unknown) => {
      if (!this.closed) this.reportError(asError(e));
    });
  }

  private onTransportError(error: TransportError): void {
    if (this.closed) return;
    if (error.code === 'ENOBUFS') {
      this.counters.overruns++;
      this.reportError(new KernelError('ENOBUFS', 'kernel mirror: notifications were lost (ENOBUFS), resynchronizing'));
      this.requestResync();
      return;
    }
    this.reportError(new KernelError(error.code ?? 'EIO', `kernel mirror: netlink socket: ${error.message}`));
  }

  private onDatagram(data: Buffer): void {
    if (this.closed) return;
    let messages: NetlinkMessage[];
    try {
      messages = parseMessages(data);
    } catch (e: unknown) {
      this.counters.malformed++;
      this.reportError(new KernelError('EBADMSG', `kernel mirror: unreadable datagram: ${asError(e).message}`));
      this.requestResync();
      return;
    }
    for (const message of messages) {
      try {
        this.onMessage(message);
      } catch (e: unknown) {
        this.counters.malformed++;
        this.reportError(new KernelError('EBADMSG', `kernel mirror: message type ${message.type} skipped: ${asError(e).message}`));
      }
    }
  }

  private onMessage(message: NetlinkMessage): void {
    const fromDump = this.dump !== null && message.seq === this.dump.seq && (message.flags & c.NLM_F_MULTI) !== 0;
    if (fromDump && (message.flags & c.NLM_F_DUMP_INTR) !== 0) this.resyncWanted = true;
    switch (message.type) {
      case c.NLMSG_DONE:
      case c.NLMSG_ERROR:
        if (this.dump && message.seq === this.dump.seq) this.finishDump(message);
        else this.counters.ignored++;
        return;
      case c.RTM_NEWLINK:
      case c.RTM_DELLINK:
        this.onLinkMessage(message);
        return;
      case c.RTM_NEWADDR:
      case c.RTM_DELADDR:
        this.onAddressMessage(message, fromDump);
        return;
      default:
        this.counters.ignored++;
    }
  }

  private onLinkMessage(message: NetlinkMessage): void {
    // Bridges report their ports as AF_BRIDGE link messages, a DELLINK included when a port merely
    // leaves the bridge: only AF_UNSPEC messages describe the link itself.
    if (message.data[0] !== c.AF_UNSPEC) {
      this.counters.ignored++;
      return;
    }
    const link = toLinkInfo(decodeLink(message.data));
    this.emit(message.type === c.RTM_NEWLINK ? this.state.upsertLink(link) : this.state.removeLink(link.index));
  }

  private onAddressMessage(message: NetlinkMessage, fromDump: boolean): void {
    const family = message.data[0];
    if (family !== c.AF_INET && family !== c.AF_INET6) {
      this.counters.ignored++;
      return;
    }
    const address = decodeAddress(message.data);
    const events =
      message.type === c.RTM_NEWADDR ? this.state.upsertAddress(address, fromDump) : this.state.removeAddress(address);
    this.emit(events);
  }

  private finishDump(message: NetlinkMessage): void {
    const dump = this.dump as PendingDump;
    this.dump = null;
    const errno = decodeErrno(message.data);
    if (errno < 0) {
      this.state.abortSweep();
      dump.reject(errnoError(`kernel mirror: dump of ${dump.kind}`, -errno));
      return;
    }
    this.emit(this.state.endSweep());
    dump.resolve();
  }

  private emit(events: readonly KernelEvent[]): void {
    if (!this.started) return; // start() resolves with this state; events describe what follows
    for (const event of events) {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (e: unknown) {
          this.reportError(new Error(`kernel mirror: event listener threw: ${asError(e).message}`, { cause: e }));
        }
      }
    }
  }
}
