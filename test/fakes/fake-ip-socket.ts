/**
 * A raw IP socket of protocol 112 bound to one Ethernet link with IP_HDRINCL (native/ip_socket.cc):
 * the packet goes out behind an Ethernet header from the link's MAC to the MAC the world's
 * neighbour table gives for the destination. An address nobody has is dropped silently, as the
 * kernel drops what waits for a neighbour that never answers; the send itself succeeds.
 */
import type { IpSocket } from '../../src/native/types';
import { type IpAddress, type MacAddress, ipFromBytes } from '../../src/wire/address';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE_IPV4, ETHERTYPE_IPV6, encodeEthernet } from '../../src/wire/ethernet';
import { systemError } from './errno';
import type { KernelLink } from './kernel-link';

/** Who has an address on the link's segment: its MAC, or undefined. */
export type NeighbourTable = (link: KernelLink, address: IpAddress) => MacAddress | undefined;

export class FakeIpSocket implements IpSocket {
  /** Packets sent, as given (the IP header first). */
  readonly sent: Buffer[] = [];
  private open = true;

  constructor(
    readonly fd: number,
    private readonly link: KernelLink,
    private readonly family: 4 | 6,
    private readonly neighbours: NeighbourTable,
  ) {}

  sendTo(packet: Buffer, destination: Buffer): void {
    if (!this.open) throw systemError(this.link.name, 'sendto', 'EBADF', 'the socket is closed');
    if (destination.length !== (this.family === 4 ? 4 : 16)) {
      throw new RangeError(`${this.link.name}: an IPv${this.family} destination is ${this.family === 4 ? 4 : 16} bytes`);
    }
    if (!this.link.present) throw systemError(this.link.name, 'sendto', 'ENXIO');
    if (!this.link.adminUp) throw systemError(this.link.name, 'sendto', 'ENETDOWN');
    this.sent.push(Buffer.from(packet));
    const mac = this.neighbours(this.link, ipFromBytes(destination));
    const source = this.link.mac;
    if (mac === undefined || source === null || this.link.nic === null) return;
    const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + packet.length);
    encodeEthernet({ destination: mac, source, etherType: this.family === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6 }, frame);
    frame.set(packet, ETHERNET_HEADER_LENGTH);
    this.link.nic.send(frame);
  }

  get closed(): boolean {
    return !this.open;
  }

  close(): void {
    this.open = false;
  }
}
