/**
 * iperf3 runs from the client namespace, read from iperf3's JSON report (-J). For UDP the report's
 * `sum_received` is the server's own count, which iperf3 sends back to the client at the end: what
 * arrived at the receiving socket, not what the sender wrote.
 */
import type { NetnsLab } from '../test/helpers/netns';
import { describeFailure, runInNamespace } from './namespace-run';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export interface TcpResult {
  /** The sender's congestion control (iperf3 -C). */
  readonly congestion: string;
  /** Received at the server, over the measured seconds. */
  readonly gbitPerSecond: number;
  readonly retransmits: number;
}

export interface UdpResult {
  /** Datagrams the client wrote per second. */
  readonly sentPerSecond: number;
  /** Datagrams that reached the server's socket per second (sent minus lost). */
  readonly receivedPerSecond: number;
}

/** The slow start of each TCP run, left out of the result (iperf3 --omit). */
export const TCP_OMIT_SECONDS = 1;
/** UDP payload bytes: the "64-byte packets". */
export const UDP_PAYLOAD_BYTES = 64;
/** Beyond the run itself: connection setup and the exchange of results. */
const IPERF_GRACE_MS = 15_000;

export async function measureTcp(net: NetnsLab, client: string, server: Endpoint, seconds: number, congestion: string): Promise<TcpResult> {
  const report = await runClient(net, client, server, seconds + TCP_OMIT_SECONDS, tcpArgs(seconds, congestion));
  return tcpResultOf(report, congestion);
}

/** The arguments of a TCP run of `seconds` measured seconds after the slow start. */
export function tcpArgs(seconds: number, congestion: string): string[] {
  return ['-t', String(seconds), '-O', String(TCP_OMIT_SECONDS), '-C', congestion];
}

export function tcpResultOf(report: unknown, congestion: string): TcpResult {
  return {
    congestion,
    gbitPerSecond: numberAt(report, ['end', 'sum_received', 'bits_per_second']) / 1e9,
    retransmits: numberAt(report, ['end', 'sum_sent', 'retransmits']),
  };
}

/** `-b 0`: no rate limit, so the sender writes as fast as it can and the path shows its limit. */
export async function measureUdp(net: NetnsLab, client: string, server: Endpoint, seconds: number): Promise<UdpResult> {
  const report = await runClient(net, client, server, seconds, ['-u', '-l', String(UDP_PAYLOAD_BYTES), '-b', '0', '-t', String(seconds)]);
  const received = numberAt(report, ['end', 'sum_received', 'packets']) - numberAt(report, ['end', 'sum_received', 'lost_packets']);
  return {
    sentPerSecond: numberAt(report, ['end', 'sum_sent', 'packets']) / numberAt(report, ['end', 'sum_sent', 'seconds']),
    receivedPerSecond: received / numberAt(report, ['end', 'sum_received', 'seconds']),
  };
}

/** Runs the iperf3 client and returns its JSON report; throws with iperf3's own error when it failed. */
export async function runClient(net: NetnsLab, client: string, server: Endpoint, runSeconds: number, args: readonly string[]): Promise<unknown> {
  const what = `iperf3 ${args.join(' ')} to ${server.address}:${server.port}`;
  const output = await runInNamespace(net, client, 'iperf3', ['-J', '-c', server.address, '-p', String(server.port), ...args], runSeconds * 1000 + IPERF_GRACE_MS);
  let report: unknown;
  try {
    report = JSON.parse(output.stdout);
  } catch {
    throw new Error(describeFailure(what, output));
  }
  const error = valueAt(report, ['error']);
  if (typeof error === 'string') throw new Error(`${what}: ${error}`);
  if (output.code !== 0) throw new Error(describeFailure(what, output));
  return report;
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let here = value;
  for (const key of path) {
    if (typeof here !== 'object' || here === null) return undefined;
    here = (here as Record<string, unknown>)[key];
  }
  return here;
}

export function numberAt(report: unknown, path: readonly string[]): number {
  const value = valueAt(report, path);
  if (typeof value !== 'number') throw new Error(`iperf3 report has no number at ${path.join('.')}`);
  return value;
}
