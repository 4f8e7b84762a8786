/**
 * Which interfaces a packet capture listens on, read from /proc/net/packet (packet_seq_show in
 * the kernel's net/packet/af_packet.c): AF_PACKET sockets bound to one interface for every
 * protocol (ETH_P_ALL), as `tcpdump -i carp0` opens. Only such a socket sees what an interface
 * sends: dev_queue_xmit_nit hands outgoing frames to the ETH_P_ALL taps alone. carpd's own packet
 * sockets are bound to carpdevs, never to a carp interface, whose frames it reads from the TAP.
 */
import { readFileSync } from 'node:fs';

/** The packet sockets of the reader's network namespace. */
export const PROC_NET_PACKET = '/proc/net/packet';

const ETH_P_ALL = 0x0003;

/** Columns of a line after the header: sk RefCnt Type Proto Iface R Rmem User Inode. */
const COLUMN_PROTOCOL = 3;
const COLUMN_IFINDEX = 4;
const COLUMN_RUNNING = 5;

/** The ifindexes that running ETH_P_ALL sockets are bound to, from the text of /proc/net/packet. */
export function capturedIfindexes(table: string): Set<number> {
  const captured = new Set<number>();
  for (const line of table.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns.length <= COLUMN_RUNNING) continue;
    const protocol = Number.parseInt(columns[COLUMN_PROTOCOL] as string, 16);
    const ifindex = Number(columns[COLUMN_IFINDEX]);
    // Index 0 is a socket bound to every interface (tcpdump -i any): it sees the frames the
    // kernel's path sends on the carpdev, so it misses nothing.
    if (protocol === ETH_P_ALL && Number.isInteger(ifindex) && ifindex > 0 && columns[COLUMN_RUNNING] === '1') captured.add(ifindex);
  }
  return captured;
}

/**
 * Read synchronously: procfs answers from memory, and this costs about 16 us of CPU here against
 * 245 us for fs.promises.readFile (a size-0 file read in chunks through libuv's thread pool).
 */
export function readCapturedIfindexes(path = PROC_NET_PACKET): Set<number> {
  return capturedIfindexes(readFileSync(path, 'utf8'));
}
