/** What the demo needs from the machine, checked before it creates anything. */
import { execFileSync } from 'node:child_process';
import { netnsUnavailableReason } from '../helpers/netns';

/** Each missing requirement as a sentence; empty when the demo can run. */
export function missingRequirements(): string[] {
  const missing: string[] = [];
  const netns = netnsUnavailableReason();
  if (netns !== null) missing.push(netns);
  if (!hasIputilsPing()) missing.push('needs ping from iputils (Debian: apt-get install iputils-ping), for its -D timestamps');
  return missing;
}

function hasIputilsPing(): boolean {
  try {
    return execFileSync('ping', ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('iputils');
  } catch {
    return false;
  }
}
