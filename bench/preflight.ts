/** What the benchmark needs from the machine, checked before it creates anything. */
import { execFileSync } from 'node:child_process';
import { netnsUnavailableReason } from '../test/helpers/netns';

/** Each missing requirement as a sentence; empty when the benchmark can run. */
export function missingRequirements(): string[] {
  const missing: string[] = [];
  const netns = netnsUnavailableReason();
  if (netns !== null) missing.push(netns);
  if (!runs('iperf3', ['--version'])) missing.push('needs iperf3 (Debian: apt-get install iperf3)');
  if (!runs('ping', ['-V'])) missing.push('needs ping (Debian: apt-get install iputils-ping)');
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
