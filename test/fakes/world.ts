/**
 * A ready-made fake world: one scheduler, one segment and N hosts, each a FakeKernel with a
 * MemoryBinding and an eth0 on the segment (MAC 02:00:00:00:00:0N, 10.77.0.N/24 and its EUI-64
 * link-local address, as a Linux host configured by hand would have), plus client endpoints.
 * `nics` gives the hosts other NICs instead, each on a segment of its own (the seeds' examples
 * run on em0 and em1 in 192.168.1.0/24 and 192.168.2.0/24).
 */
import { type IpAddress, type IpPrefix, type MacAddress, ipEquals, parseIp, parsePrefix } from '../../src/wire/address';
import { FakeKernel } from './fake-kernel';
import { FakeMirror } from './fake-mirror';
import type { KernelLink } from './kernel-link';
import { MemoryBinding, type MemoryBindingOptions } from './memory-binding';
import { Scheduler } from './scheduler';
import { type Endpoint, type Port, Segment, type SegmentMode } from './segment';

/** A NIC every host has, on a segment of its own: host n gets SUBNET.(firstHost + n - 1)/24. */
export interface NicOptions {
  readonly name: string;
  /** The first three octets, e.g. "192.168.1". */
  readonly subnet: string;
  /** The last octet of host 1's address (default 1). */
  readonly firstHost?: number;
}

export interface WorldOptions {
  readonly hosts: number;
  readonly mode?: SegmentMode;
  readonly binding?: MemoryBindingOptions;
  /** Default: eth0 in 10.77.0.0/24. Clients join the first NIC's segment and subnet. */
  readonly nics?: readonly NicOptions[];
}

const DEFAULT_NICS: readonly NicOptions[] = [{ name: 'eth0', subnet: '10.77.0' }];

export interface FakeHost {
  readonly name: string;
  readonly kernel: FakeKernel;
  readonly binding: MemoryBinding;
  /** eth0's port on the segment. */
  readonly nic: Port;
  readonly ipv4: IpPrefix;
  readonly ipv6: IpPrefix;
}

export interface Client {
  readonly endpoint: Endpoint;
  readonly mac: MacAddress;
  readonly ipv4: IpAddress;
  readonly ipv6: IpAddress;
}

/** fe80::/64 with the modified EUI-64 of `mac` (RFC 4291 appendix A), what addr_gen_mode eui64 makes. */
export function linkLocalFor(mac: MacAddress): IpPrefix {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt16BE(0xfe80, 0);
  bytes.set([(mac[0] as number) ^ 0x02, mac[1] as number, mac[2] as number, 0xff, 0xfe], 8);
  bytes.set(mac.subarray(3, 6), 13);
  return { address: { family: 6, bytes }, prefixLength: 64 };
}

export class World {
  readonly scheduler = new Scheduler();
  /** The first NIC's segment, where the clients are. */
  readonly segment: Segment;
  /** One per NIC of `nics`, in its order. */
  readonly segments: readonly Segment[];
  readonly hosts: readonly FakeHost[];
  private readonly clients: Client[] = [];
  /** Each NIC with its segment. */
  private readonly lans: readonly { readonly nic: NicOptions; readonly segment: Segment }[];
  /** The first NIC's subnet, where the clients are. */
  private readonly clientSubnet: string;

  constructor(options: WorldOptions) {
    this.lans = (options.nics ?? DEFAULT_NICS).map((nic) => ({ nic, segment: new Segment(this.scheduler, options.mode ?? 'hub') }));
    const [first] = this.lans;
    if (first === undefined) throw new Error('the hosts need a NIC');
    this.segment = first.segment;
    this.clientSubnet = first.nic.subnet;
    this.segments = this.lans.map((lan) => lan.segment);
    this.hosts = Array.from({ length: options.hosts }, (_, i) => this.makeHost(i + 1, options.binding ?? {}));
  }

  /** Host n, counted from 1. */
  host(n: number): FakeHost {
    const host = this.hosts[n - 1];
    if (host === undefined) throw new Error(`the world has ${this.hosts.length} hosts, no host ${n}`);
    return host;
  }

  /** A new kernel mirror of host n: one per daemon start, as a daemon opens its own netlink socket. */
  mirror(n: number): FakeMirror {
    return new FakeMirror(this.host(n).kernel);
  }

  /** A client machine k (from 1): MAC 02:00:00:00:01:k, 10.77.0.(100 + k) (or the first NIC's subnet), its link-local address. */
  addClient(name: string): Client {
    const k = this.clients.length + 1;
    const mac = Buffer.from([0x02, 0, 0, 0, 0x01, k]);
    const client = {
      endpoint: this.segment.attachEndpoint(name, mac),
      mac,
      ipv4: parseIp(`${this.clientSubnet}.${100 + k}`),
      ipv6: linkLocalFor(mac).address,
    };
    this.clients.push(client);
    return client;
  }

  /**
   * Neighbour resolution: the MAC of the NIC that has `address`, on the segment of `from`'s NIC
   * (the NICs of one name share a segment).
   */
  private neighbour(from: KernelLink, address: IpAddress): MacAddress | undefined {
    for (const host of this.hosts) {
      const link = host.kernel.link(from.name);
      if (link?.nic && [...link.v4, ...link.v6].some((a) => ipEquals(a.info.prefix.address, address))) return link.mac ?? undefined;
    }
    return undefined;
  }

  /** Host n with its NICs; the first one's port and addresses describe the host. */
  private makeHost(n: number, bindingOptions: MemoryBindingOptions): FakeHost {
    const name = `host${n}`;
    const kernel = new FakeKernel(this.scheduler, { seed: n });
    const ports = this.lans.map(({ nic: options, segment }, k) => {
      // NIC k of host n: 02:00:00:0k:00:0n, so that no two ports of the world share a MAC.
      const nic = segment.attachNic(`${name}/${options.name}`, Buffer.from([0x02, 0, 0, k, 0, n]));
      kernel.addEthernet(options.name, nic);
      const ipv4 = parsePrefix(`${options.subnet}.${(options.firstHost ?? 1) + n - 1}/24`);
      const ipv6 = linkLocalFor(nic.mac);
      kernel.ipAddrAdd(options.name, ipv4);
      kernel.ipAddrAdd(options.name, ipv6);
      return { nic, ipv4, ipv6 };
    });
    const binding = new MemoryBinding(kernel, this.scheduler, { neighbours: (link, address) => this.neighbour(link, address), ...bindingOptions });
    return { name, kernel, binding, ...(ports[0] as (typeof ports)[number]) };
  }
}
