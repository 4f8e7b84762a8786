/**
 * The failover benchmark's LAN: a CarpLab (bridge, hosts h1 and h2, client cl) in which each host
 * runs a UDP echo server on the VIP, whoever carries it, and the client probes the VIP every
 * 10 ms with ICMP and with UDP while tcpdump on the bridge records every advertisement. One lab
 * per trial, so no trial inherits state from another.
 */
import { join, resolve } from 'node:path';
import { Capture } from '../test/netns/capture';
import { CarpLab, SUBNET4, VIP4 } from '../test/netns/carp-lab';
import { PingProbe } from '../test/helpers/ping-probe';
import { type Advertisement, parseAdvertisements } from './failover-capture';

export const PREFERRED = 'h1';
export const BACKUP = 'h2';
export const PROBE_INTERVAL_MS = 10;
const ECHO_PORT = 7007;
const HERE = resolve(__dirname);

export interface Probes {
  readonly icmp: PingProbe;
  readonly udp: PingProbe;
}

export class FailoverLab {
  private constructor(readonly carp: CarpLab) {}

  static async create(): Promise<FailoverLab> {
    const lab = new FailoverLab(await CarpLab.create('fover', [PREFERRED, BACKUP]));
    try {
      for (const host of [PREFERRED, BACKUP]) {
        // The backup has no VIP yet (ucarp, keepalived) or has it on carp0 (carpd): bind anyway.
        await lab.carp.net.exec(host, 'sysctl', ['-qw', 'net.ipv4.ip_nonlocal_bind=1']);
        lab.carp.net.spawn(host, process.execPath, [join(HERE, 'udp-echo.js'), VIP4, String(ECHO_PORT)]);
      }
    } catch (e: unknown) {
      await lab.cleanup();
      throw e;
    }
    return lab;
  }

  /** The address a host advertises from. */
  address(host: string): string {
    return `${SUBNET4}.${this.carp.hosts.indexOf(host) + 1}`;
  }

  startProbes(): Probes {
    const udp = this.carp.net.spawn('cl', process.execPath, [join(HERE, 'udp-probe.js'), VIP4, String(ECHO_PORT), String(PROBE_INTERVAL_MS)]);
    return { icmp: this.carp.startPing(VIP4, PROBE_INTERVAL_MS), udp: new PingProbe(udp) };
  }

  async startCapture(): Promise<{ stop(): Promise<Advertisement[]> }> {
    const capture = new Capture(this.carp, 'lan', ['-tt', '-i', 'br0', 'ip proto 112']);
    await capture.started();
    return { stop: async () => parseAdvertisements(await capture.stop()) };
  }

  /** The host's cable pulled: its bridge port goes down. */
  async cutLink(host: string): Promise<void> {
    await this.carp.net.exec('lan', 'ip', ['link', 'set', `p-${host}`, 'down']);
  }

  async cleanup(): Promise<void> {
    await this.carp.cleanup();
  }
}
