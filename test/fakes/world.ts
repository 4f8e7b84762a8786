/**
 * A ready-made fake world: one scheduler, one segment and N hosts, each a FakeKernel with a
 * MemoryBinding and an eth0 on the segment (MAC 02:00:00:00:00:0N, 10.77.0.N/24 and its EUI-64
 * link-local address, as a Linux host configured by hand would have), plus client endpoints.
 */
import { type IpAddress, type IpPrefix, type MacAddress, parseIp, parsePrefix } from '../../src/wire/address';
import { FakeKernel } from './fake-kernel';
import { FakeMirror } from './fake-mirror';
import { MemoryBinding, type MemoryBindingOptions } from './memory-binding';
import { Scheduler } from './scheduler';
import { type Endpoint, type Port, Segment, type SegmentMode } from './segment';

export interface WorldOptions {
  readonly hosts: number;
  readonly mode?: SegmentMode;
  readonly binding?: MemoryBindingOptions;
}

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
  readonly segment: Segment;
  readonly hosts: readonly FakeHost[];
  private readonly clients: Client[] = [];

  constructor(options: WorldOptions) {
    this.segment = new Segment(this.scheduler, options.mode ?? 'hub');
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

  /** A client machine k (from 1): MAC 02:00:00:00:01:k, 10.77.0.(100 + k), its link-local address. */
  addClient(name: string): Client {
    const k = this.clients.length + 1;
    const mac = Buffer.from([0x02, 0, 0, 0, 0x01, k]);
    const client = {
      endpoint: this.segment.attachEndpoint(name, mac),
      mac,
      ipv4: parseIp(`10.77.0.${100 + k}`),
      ipv6: linkLocalFor(mac).address,
    };
    this.clients.push(client);
    return client;
  }

  private makeHost(n: number, bindingOptions: MemoryBindingOptions): FakeHost {
    const name = `host${n}`;
    const kernel = new FakeKernel(this.scheduler, { seed: n });
    const nic = this.segment.attachNic(`${name}/eth0`, Buffer.from([0x02, 0, 0, 0, 0, n]));
    kernel.addEthernet('eth0', nic);
    const ipv4 = parsePrefix(`10.77.0.${n}/24`);
    const ipv6 = linkLocalFor(nic.mac);
    kernel.ipAddrAdd('eth0', ipv4);
    kernel.ipAddrAdd('eth0', ipv6);
    return { name, kernel, binding: new MemoryBinding(kernel, this.scheduler, bindingOptions), nic, ipv4, ipv6 };
  }
}
