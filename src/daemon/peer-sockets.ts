/**
 * The raw IP sockets that carry advertisements to carppeers (docs/design.md, "Unicast
 * advertisements"): one per carpdev and family that some carp interface has a peer of. They are
 * open for as long as such a peer is configured, not only while this host advertises: their
 * presence is also what keeps the kernel from answering the peer's unicast advertisements with
 * ICMP protocol unreachable while this host is BACKUP.
 */
import type { IpSocket, NativeBinding } from '../native/types';
import type { Family, IpAddress } from '../wire/address';
import { describeError } from './describe-error';
import type { Logger } from './logger';

function keyOf(carpdev: string, family: Family): string {
  return `${carpdev} ${family}`;
}

export class PeerSockets {
  /** Per carp interface: the carpdev and families it has peers of. */
  private readonly wanted = new Map<string, { readonly carpdev: string; readonly families: readonly Family[] }>();
  private readonly sockets = new Map<string, IpSocket>();

  constructor(
    private readonly binding: NativeBinding,
    private readonly logger: Logger,
  ) {}

  /** carpN's peers on `carpdev` (null: none usable); opens and closes sockets to match. */
  want(ifname: string, carpdev: string | null, peers: readonly IpAddress[]): void {
    const families = [...new Set(peers.map((p) => p.family))];
    if (carpdev === null || families.length === 0) this.wanted.delete(ifname);
    else this.wanted.set(ifname, { carpdev, families });
    this.reconcile();
  }

  forget(ifname: string): void {
    this.wanted.delete(ifname);
    this.reconcile();
  }

  /**
   * Sends an advertisement packet; throws when it cannot be sent. A failed send closes the socket,
   * so the next one reopens it (the carpdev may have been removed and created again).
   */
  send(carpdev: string, peer: IpAddress, packet: Buffer): void {
    const key = keyOf(carpdev, peer.family);
    const socket = this.sockets.get(key) ?? this.binding.openIpSocket(carpdev, peer.family);
    this.sockets.set(key, socket);
    try {
      socket.sendTo(packet, peer.bytes);
    } catch (e: unknown) {
      socket.close();
      this.sockets.delete(key);
      throw e;
    }
  }

  close(): void {
    for (const socket of this.sockets.values()) socket.close();
    this.sockets.clear();
    this.wanted.clear();
  }

  private reconcile(): void {
    const needed = new Map<string, { readonly carpdev: string; readonly family: Family }>();
    for (const { carpdev, families } of this.wanted.values()) {
      for (const family of families) needed.set(keyOf(carpdev, family), { carpdev, family });
    }
    for (const [key, socket] of this.sockets) {
      if (needed.has(key)) continue;
      socket.close();
      this.sockets.delete(key);
    }
    for (const [key, { carpdev, family }] of needed) {
      if (this.sockets.has(key)) continue;
      try {
        this.sockets.set(key, this.binding.openIpSocket(carpdev, family));
      } catch (e: unknown) {
        // The next advertisement tries again and counts a send error if it fails too.
        this.logger.warn({ carpdev, err: e }, `${carpdev}: no IPv${family} socket for carppeer advertisements: ${describeError(e)}`);
      }
    }
  }
}
