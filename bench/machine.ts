/** What the numbers were measured on: they mean little without the machine and the tools. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release } from 'node:os';
import type { DataplaneLab } from './lab';
import { CLIENT } from './lab';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly kernel: string;
  readonly node: string;
  readonly iperf3: string;
  /** The client's TCP congestion control (the namespace inherits the host's default). */
  readonly tcpCongestionControl: string;
  /** 1-minute load average when the benchmark started: other people's work on a shared machine. */
  readonly loadAverageAtStart: number;
}

export async function describeMachine(lab: DataplaneLab): Promise<MachineInfo> {
  const { stdout } = await lab.carpLab.net.exec(CLIENT, 'cat', ['/proc/sys/net/ipv4/tcp_congestion_control']);
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    kernel: release(),
    node: process.version,
    iperf3: execFileSync('iperf3', ['--version'], { encoding: 'utf8' }).split('\n')[0]?.trim() ?? 'unknown',
    tcpCongestionControl: stdout.trim(),
    loadAverageAtStart: oneMinuteLoad(),
  };
}

export function oneMinuteLoad(): number {
  return loadavg()[0] ?? NaN;
}

