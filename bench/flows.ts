/**
 * Many TCP flows at once, one iperf3 client each, every flow from its own client address: the IP
 * hash of `balancing ip` folds source and destination addresses only, so flows that differed by
 * port alone would all land on the same host. An iperf3 server runs one test at a time, so each
 * flow has its own server port.
 */
import type { NetnsLab } from '../test/helpers/netns';
import { type Endpoint, type TcpResult, TCP_OMIT_SECONDS, numberAt, runClient, tcpArgs, tcpResultOf } from './iperf';

export interface Flow {
  /** The client address the flow is sent from (iperf3 -B). */
  readonly source: string;
  readonly server: Endpoint;
}

export interface FlowResult extends TcpResult {
  readonly source: string;
  /** The iperf3 client's user + system time over its test, in percent of one core (its own getrusage). */
  readonly clientPercentOfCore: number;
  /** The iperf3 server's, as it reported it back to the client. */
  readonly serverPercentOfCore: number;
}

/**
 * Starts every flow together and waits for all of them. They start within milliseconds of each
 * other and each measures `seconds` after its own slow start, so their sum is the aggregate rate.
 */
export function measureFlows(net: NetnsLab, client: string, flows: readonly Flow[], seconds: number, congestion: string): Promise<FlowResult[]> {
  return Promise.all(
    flows.map(async ({ source, server }) => {
      const report = await runClient(net, client, server, seconds + TCP_OMIT_SECONDS, ['-B', source, ...tcpArgs(seconds, congestion)]);
      return {
        ...tcpResultOf(report, congestion),
        source,
        clientPercentOfCore: numberAt(report, ['end', 'cpu_utilization_percent', 'host_total']),
        serverPercentOfCore: numberAt(report, ['end', 'cpu_utilization_percent', 'remote_total']),
      };
    }),
  );
}
