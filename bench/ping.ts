/** Round-trip times from ping at a fixed interval, one sample per echo reply. */
import type { NetnsLab } from '../test/helpers/netns';
import { describeFailure, runInNamespace } from './namespace-run';
import { percentile } from './stats';

export interface PingResult {
  readonly sent: number;
  readonly replies: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** How long ping waits for the last reply before it stops (-W). */
const LAST_REPLY_WAIT_SECONDS = 1;

export async function measurePing(net: NetnsLab, client: string, target: string, count: number, intervalSeconds: number): Promise<PingResult> {
  const args = ['-n', '-c', String(count), '-i', String(intervalSeconds), '-W', String(LAST_REPLY_WAIT_SECONDS), target];
  const output = await runInNamespace(net, client, 'ping', args, (count * intervalSeconds + LAST_REPLY_WAIT_SECONDS) * 1000 + 10_000);
  const rtts = parseRtts(output.stdout);
  // ping exits 1 when some replies were missing: the samples are still good, the loss is reported.
  if (rtts.length === 0) throw new Error(describeFailure(`ping ${target}`, output));
  return { sent: count, replies: rtts.length, p50Ms: percentile(rtts, 50), p99Ms: percentile(rtts, 99) };
}

/** The `time=0.123 ms` of every reply line. */
function parseRtts(stdout: string): number[] {
  return [...stdout.matchAll(/ time=(\d+(?:\.\d+)?) ms/g)].map((match) => Number(match[1]));
}
