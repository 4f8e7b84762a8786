/** What the benchmark needs from the machine, checked before it creates anything. */
import { execFileSync } from 'node:child_process';
import { netnsUnavailableReason } from '../test/helpers/netns';
import type { BenchOptions } from './options';

/** Each missing requirement of the cases to run, as a sentence; empty when the benchmark can run. */
export function missingRequirements({ cases, contenders }: Pick<BenchOptions, 'cases' | 'contenders'>): string[] {
  const missing: string[] = [];
  const netns = netnsUnavailableReason();
  if (netns !== null) missing.push(netns);
  if (!runs('iperf3', ['--version'])) missing.push('needs iperf3 (Debian: apt-get install iperf3)');
  if (!runs('ping', ['-V'])) missing.push('needs ping (Debian: apt-get install iputils-ping)');
  const comparing = cases.includes('failover') || cases.includes('scale');
  if (comparing && contenders.includes('ucarp') && !runs('ucarp', ['--help'])) missing.push('needs ucarp (Debian: apt-get install ucarp)');
  const soaking = cases.includes('soak');
  if (cases.includes('failover') || soaking) {
    if (!runs('tcpdump', ['--version'])) missing.push('needs tcpdump (Debian: apt-get install tcpdump)');
    if ((soaking || contenders.some((c) => c.startsWith('keepalived'))) && !runs('keepalived', ['--version'])) {
      missing.push('needs keepalived (Debian: apt-get install keepalived)');
    }
  }
  if (soaking && !runs('taskset', ['--version'])) missing.push('needs taskset (Debian: apt-get install util-linux)');
  return missing;
}

function runs(file: string, args: readonly string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
