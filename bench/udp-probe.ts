/**
 * The failover benchmark's UDP prober, run in the client namespace as
 * `node udp-probe.js ADDRESS PORT INTERVAL_MS`: a datagram every INTERVAL_MS, and for every echo
 * one line on stdout in the format of `ping -D` (`[SECONDS] N bytes from ADDRESS`), so that
 * test/helpers/ping-probe.ts measures both probes alike. Runs until killed.
 */
import { createSocket } from 'node:dgram';

const [address, port, interval] = process.argv.slice(2);
if (address === undefined || port === undefined || interval === undefined) {
  console.error('usage: udp-probe ADDRESS PORT INTERVAL_MS');
  process.exit(2);
}
const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
socket.on('message', (echo) => {
  const seconds = (performance.timeOrigin + performance.now()) / 1000;
  process.stdout.write(`[${seconds.toFixed(6)}] ${echo.length} bytes from ${address}\n`);
});
// A datagram that finds no route or no neighbour yet is simply lost, as a ping would be.
socket.on('error', () => undefined);
socket.connect(Number(port), address, () => {
  const probe = Buffer.from('carp-failover-probe');
  setInterval(() => socket.send(probe), Number(interval));
});
