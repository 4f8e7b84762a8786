/** What the numbers were measured on: they mean little without the machine and the tools. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release } from 'node:os';
import type { CarpLab } from '../test/netns/carp-lab';

/** The processor and the runtime: enough for a benchmark that runs in this process alone. */
export interface HostInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly kernel: string;
  readonly node: string;
  /** 1-minute load average when the benchmark started: other people's work on a shared machine. */
  readonly loadAverageAtStart: number;
}

export interface MachineInfo extends HostInfo {
  readonly iperf3: string;
  /** The client's TCP congestion control (the namespace inherits the host's default). */
  readonly tcpCongestionControl: string;
}

export function describeHost(): HostInfo {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    kernel: release(),
    node: process.version,
    loadAverageAtStart: oneMinuteLoad(),
  };
}

/** The host, plus the tools and TCP defaults the client namespace `client` of the lab sees. */
export async function describeMachine(lab: CarpLab, client: string): Promise<MachineInfo> {
  const { stdout } = await lab.net.exec(client, 'cat', ['/proc/sys/net/ipv4/tcp_congestion_control']);
  return {
    ...describeHost(),
    iperf3: execFileSync('iperf3', ['--version'], { encoding: 'utf8' }).split('\n')[0]?.trim() ?? 'unknown',
    tcpCongestionControl: stdout.trim(),
  };
}

export function oneMinuteLoad(): number {
  return loadavg()[0] ?? NaN;
}

/** One line for a report's header. */
export function formatHost(host: HostInfo): string {
  return `${host.cpuModel}, ${host.cores} cores, Linux ${host.kernel}, Node ${host.node}`;
}
