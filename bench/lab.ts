/**
 * The benchmark's LAN: a CarpLab with one carp host, h1, MASTER for the VIP on carp0, and the
 * client cl. No BACKUP host: it would only add one advertisement a second to the segment, and the
 * data plane of a BACKUP passes nothing. Both paths end in h1's namespace and cross the same bridge:
 *   direct  cl -> h1's eth0 address (the kernel's own path)
 *   carp    cl -> the VIP: h1's packet socket on eth0 -> carpd's relay -> carp0 TAP, and back.
 */
import { CLIENT4, CarpLab, SUBNET4, VIP4 } from '../test/netns/carp-lab';
import { type HostCounters, readHostCounters } from './host-counters';
import type { Endpoint } from './iperf';
import { describeFailure, runInNamespace } from './namespace-run';

export type PathName = 'direct' | 'carp';
export const PATH_NAMES: readonly PathName[] = ['direct', 'carp'];

interface BenchPath {
  /** An iperf3 server of its own, bound to the path's address. */
  readonly iperf: Endpoint;
  readonly pingTarget: string;
}

const CARP_HOST = 'h1';
export const CLIENT = 'cl';
const HOST_ADDRESS = `${SUBNET4}.1`;
const VHID = 1;

export class DataplaneLab {
  readonly paths: Readonly<Record<PathName, BenchPath>> = {
    direct: { iperf: { address: HOST_ADDRESS, port: 5201 }, pingTarget: HOST_ADDRESS },
    carp: { iperf: { address: VIP4, port: 5202 }, pingTarget: VIP4 },
  };

  private constructor(
    readonly carpLab: CarpLab,
    /** net.inet.carp.fastpath of the carp host: the kernel, not the relay, carries the VIP's unicast IP. */
    private readonly fastpath: boolean,
  ) {}

  /** Everything made here is removed by cleanup(), also when set-up fails half way. */
  static async create(fastpath: boolean): Promise<DataplaneLab> {
    const lab = new DataplaneLab(await CarpLab.create('bench', [CARP_HOST]), fastpath);
    try {
      await lab.setUp();
    } catch (e: unknown) {
      await lab.cleanup();
      throw e;
    }
    return lab;
  }

  /** One line per path, for the report. */
  describePaths(): Readonly<Record<PathName, string>> {
    return {
      direct: `${CLIENT} -> bridge -> ${CARP_HOST}'s eth0, ${HOST_ADDRESS} (the kernel's own path)`,
      carp: this.fastpath
        ? `${CLIENT} -> bridge -> ${CARP_HOST}'s eth0 -> tc redirect (net.inet.carp.fastpath=1) -> carp0, VIP ${VIP4} (vhid ${VHID}, MASTER; no BACKUP host)`
        : `${CLIENT} -> bridge -> ${CARP_HOST}'s packet socket on eth0 -> carpd relay -> carp0 TAP, VIP ${VIP4} (vhid ${VHID}, MASTER; no BACKUP host; net.inet.carp.fastpath=0)`,
    };
  }

  daemonPid(): number {
    const pid = this.carpLab.daemonPid(CARP_HOST);
    if (pid === undefined) throw new Error(`carpd on ${CARP_HOST} is not running`);
    return pid;
  }

  /** The carp host's counters of where frames went, so far. */
  counters(): Promise<HostCounters> {
    return readHostCounters(this.carpLab.net, CARP_HOST);
  }

  /** Also ends the iperf3 servers: the namespace lab kills every process it spawned. */
  async cleanup(): Promise<void> {
    await this.carpLab.cleanup();
  }

  private async setUp(): Promise<void> {
    const lab = this.carpLab;
    await lab.startDaemon(CARP_HOST, { config: { 'sysctl.conf': `net.inet.carp.fastpath=${this.fastpath ? 1 : 0}\n` } });
    await lab.configureCarp(CARP_HOST, `vhid ${VHID} pass bench carpdev eth0`);
    await lab.waitState(CARP_HOST, 'MASTER');
    if (this.fastpath) {
      await lab.waitFor('the in-kernel data path', () => Promise.resolve(lab.logOf(CARP_HOST).includes('the kernel carries unicast IP')));
    }
    for (const path of Object.values(this.paths)) this.startIperfServer(path.iperf);
    for (const path of Object.values(this.paths)) await this.waitListening(path.iperf);
    // Resolves the client's ARP entries and proves both paths answer before anything is timed.
    for (const path of Object.values(this.paths)) {
      const output = await runInNamespace(lab.net, CLIENT, 'ping', ['-n', '-c', '3', '-i', '0.2', '-W', '2', path.pingTarget], 10_000);
      if (output.code !== 0) throw new Error(describeFailure(`ping ${path.pingTarget} from ${CLIENT4}`, output));
    }
  }

  /**
   * Bound to one address: an unbound UDP server answers from the address the routing table picks
   * for the client, which is eth0's (its connected route came first), so a UDP test to the VIP
   * would get its handshake reply from the wrong address and fail.
   */
  private startIperfServer(endpoint: Endpoint): void {
    const server = this.carpLab.net.spawn(CARP_HOST, 'iperf3', ['-s', '-B', endpoint.address, '-p', String(endpoint.port)]);
    // Its per-second report is of no use here, but an unread pipe would stall it once full.
    server.stdout?.resume();
    server.stderr?.resume();
  }

  private async waitListening(endpoint: Endpoint): Promise<void> {
    await this.carpLab.waitFor(`iperf3 listening on ${endpoint.address}:${endpoint.port}`, async () => {
      const { stdout } = await this.carpLab.net.exec(CARP_HOST, 'ss', ['-Hltn', `src ${endpoint.address}:${endpoint.port}`]);
      return stdout.trim() !== '';
    });
  }
}

