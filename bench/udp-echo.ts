/**
 * A UDP echo server for the failover benchmark, run in a host namespace as
 * `node udp-echo.js ADDRESS PORT`. Bound to the virtual address (with ip_nonlocal_bind on the
 * hosts that do not carry it yet), so that an answer always comes from the address the client
 * asked: an unbound socket would answer from the address the routing table picks.
 */
import { createSocket } from 'node:dgram';

const [address, port] = process.argv.slice(2);
if (address === undefined || port === undefined) {
  console.error('usage: udp-echo ADDRESS PORT');
  process.exit(2);
}
const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
socket.on('message', (message, peer) => socket.send(message, peer.port, peer.address));
socket.bind(Number(port), address);
