/**
 * The whole data path of a carp interface with vnet headers on both ends: a host in namespace b
 * talks to 192.0.2.1 on carp0 in namespace a, through b0 -> a0 -> packet socket -> TAP and back.
 * The agent relays every frame without looking at it, so what passes proves the addon: vnet
 * headers (checksum offload of veth, TSO super-frames of the TAP) cross intact in both directions.
 */
import assert from 'node:assert/strict';
import { TAP_MIN_SLOT_SIZE } from '../../src/native/binding';
import { VNET_HEADER_LENGTH } from '../../src/native/types';
import { NetnsLab } from '../helpers/netns';
import { arpOrDestinationFilter } from './frames';
import { NativeAgent, skipWithoutNetns } from './native-agent';

const VIRTUAL_MAC = '00:00:5e:00:01:01';
const BULK_BYTES = 16 * 1024 * 1024;
const LONGEST_PLAIN_FRAME = VNET_HEADER_LENGTH + 14 + 1500;

describe('native TAP and packet socket with vnet headers (real kernel)', function () {
  let lab: NetnsLab;
  let agent: NativeAgent;

  before(async function () {
    skipWithoutNetns(this);
    lab = await NetnsLab.create('natvnet');
    await lab.addNamespace('a');
    await lab.addNamespace('b');
    await lab.sh('a', `ip link add a0 type veth peer name b0 netns ${lab.ns('b')}`);
    // The parent must not answer ARP for the address of carp0 (docs/protocol.md §7.4).
    await lab.sh('a', 'sysctl -qw net.ipv4.conf.a0.arp_ignore=1 net.ipv4.conf.a0.arp_announce=2 && ip link set a0 up');
    await lab.sh('b', 'ip link set b0 up && ip addr add 192.0.2.2/24 dev b0');
    agent = await NativeAgent.start(lab, 'a');
    const tap = await agent.request<{ handle: number }>('openTap', { name: 'carp0', vnetHeader: true });
    await agent.request('setMac', { handle: tap.handle, mac: VIRTUAL_MAC.replaceAll(':', '') });
    await agent.request('setCarrier', { handle: tap.handle, up: true });
    await lab.sh('a', 'ip link set carp0 addrgenmode none && ip link set carp0 up && ip addr add 192.0.2.1/24 dev carp0');
    const socket = await agent.request<{ handle: number }>('openPacketSocket', {
      ifname: 'a0',
      filter: arpOrDestinationFilter(VIRTUAL_MAC).toString('hex'),
      vnetHeader: true,
    });
    await agent.request('relay', { socket: socket.handle, tap: tap.handle, slotSize: TAP_MIN_SLOT_SIZE });
  });

  after(async () => {
    await lab?.cleanup();
  });

  /** Sends BULK_BYTES over TCP from `client` to a listener in `server`; returns what arrived. */
  async function transfer(server: string, serverIp: string, client: string, port: number): Promise<string> {
    const listener = lab.spawn(server, 'socat', ['-u', `TCP-LISTEN:${port},bind=${serverIp}`, 'SYSTEM:wc -c']);
    let received = '';
    listener.stdout?.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const done = new Promise((resolve) => listener.on('close', resolve));
    await lab.sh(server, `for i in $(seq 50); do ss -ltn | grep -q ${serverIp}:${port} && exit 0; sleep 0.1; done; exit 1`);
    await lab.sh(client, `head -c ${BULK_BYTES} /dev/zero | socat -u - TCP:${serverIp}:${port}`);
    await done;
    return received.trim();
  }

  const checksumErrors = async (ns: string): Promise<string> =>
    (await lab.exec(ns, 'nstat', ['-az', 'TcpInCsumErrors'])).stdout;

  it('gives carp0 the offloads that need a vnet header', async () => {
    const { stdout } = await lab.exec('a', 'ethtool', ['-k', 'carp0']);
    assert.match(stdout, /tx-checksumming: on/);
    assert.match(stdout, /tcp-segmentation-offload: on/);
  });

  it('answers ping through the relay', async () => {
    const { stdout } = await lab.exec('b', 'ping', ['-c', '3', '-i', '0.2', '-W', '2', '192.0.2.1']);
    assert.match(stdout, /3 packets transmitted, 3 received/);
    assert.match((await lab.exec('b', 'ip', ['neigh', 'show', '192.0.2.1'])).stdout, new RegExp(`lladdr ${VIRTUAL_MAC}`));
  });

  it('carries TCP in to carp0 with the checksums veth left to offload', async () => {
    assert.equal(await transfer('a', '192.0.2.1', 'b', 5001), String(BULK_BYTES));
    assert.match(await checksumErrors('a'), /TcpInCsumErrors\s+0\b/);
  });

  it('carries TCP out of carp0 as TSO super-frames, segmented on the way out', async () => {
    assert.equal(await transfer('b', '192.0.2.2', 'a', 5002), String(BULK_BYTES));
    assert.match(await checksumErrors('b'), /TcpInCsumErrors\s+0\b/);
    const { longestFromTap } = await agent.request<{ longestFromTap: number }>('relayed');
    assert.ok(longestFromTap > LONGEST_PLAIN_FRAME, `longest frame read from the TAP: ${longestFromTap}`);
  });
});
