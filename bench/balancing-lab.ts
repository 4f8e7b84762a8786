/**
 * The balancing case's LAN: a CarpLab with two carp hosts, h1 and h2, and the client cl on one
 * bridge. Both hosts run carpd with the same carp0 (carpnodes 1 and 2, `balancing ip`, the VIP),
 * h1 preferred for node 1 and h2 for node 2, as in OpenBSD's example and the namespace tests. Each
 * host runs an iperf3 server per flow, bound to the VIP. Two layouts of the same LAN:
 *   one  h2 has bowed out (carp0 down) and its bridge port is down: h1 is MASTER of both nodes and
 *        the only host the client's frames reach, as in a cluster of one;
 *   two  both hosts on the bridge, each MASTER of its node; the bridge floods the multicast MAC
 *        to both, and each keeps the flows the IP hash gives to its node.
 */
import { CarpLab, SUBNET4, VIP4 } from '../test/netns/carp-lab';
import type { CarpState } from '../src/carp/types';
import { type BalancingHostCounters, readBalancingCounters } from './balancing-counters';
import type { Flow } from './flows';
import { describeFailure, runInNamespace } from './namespace-run';

export type HostName = 'h1' | 'h2';
export const HOSTS: readonly HostName[] = ['h1', 'h2'];
export type Layout = 'one' | 'two';
export const LAYOUTS: readonly Layout[] = ['one', 'two'];
export const CLIENT = 'cl';

/** Client addresses from .101 up: clear of the hosts (.1, .2), the VIP (.50) and the client's own (.100). */
const FIRST_SOURCE = 101;
const FIRST_PORT = 5301;
/** The host that leaves in layout one; the one that stays. */
const LEAVING: HostName = 'h2';
const STAYING: HostName = 'h1';
/** A takeover after a bow-out, or a preemption, needs an advertisement interval or two (advbase 1 s). */
const LAYOUT_TIMEOUT_MS = 15_000;

/** Who is MASTER of which node (in vhid order) in each layout. */
const EXPECTED: Readonly<Record<Layout, Readonly<Record<HostName, readonly CarpState[]>>>> = {
  one: { h1: ['MASTER', 'MASTER'], h2: ['INIT', 'INIT'] },
  two: { h1: ['MASTER', 'BACKUP'], h2: ['BACKUP', 'MASTER'] },
};

export class BalancingLab {
  readonly flows: readonly Flow[];
  private current: Layout = 'two';

  private constructor(
    readonly carpLab: CarpLab,
    flowCount: number,
  ) {
    this.flows = Array.from({ length: flowCount }, (_, i) => ({
      source: `${SUBNET4}.${FIRST_SOURCE + i}`,
      server: { address: VIP4, port: FIRST_PORT + i },
    }));
  }

  /** Everything made here is removed by cleanup(), also when set-up fails half way. */
  static async create(flowCount: number): Promise<BalancingLab> {
    const lab = new BalancingLab(await CarpLab.create('benchlb', HOSTS), flowCount);
    try {
      await lab.setUp();
    } catch (e: unknown) {
      await lab.cleanup();
      throw e;
    }
    return lab;
  }

  get layout(): Layout {
    return this.current;
  }

  /** One line per layout, for the report. */
  describeLayouts(): Readonly<Record<Layout, string>> {
    const first = this.flows[0]?.source ?? '';
    const last = this.flows[this.flows.length - 1]?.source ?? '';
    const flows = `${this.flows.length} TCP flows from ${first}-${last} to the VIP ${VIP4}`;
    return {
      one: `${flows}; ${STAYING} MASTER of carpnodes 1 and 2 (balancing ip), ${LEAVING} bowed out and off the bridge`,
      two: `${flows}; ${HOSTS.join(' and ')} each MASTER of one carpnode (h1 of vhid 1, h2 of vhid 2), the bridge flooding the multicast MAC to both`,
    };
  }

  daemonPids(): Readonly<Record<HostName, number>> {
    const pid = (host: HostName): number => {
      const found = this.carpLab.daemonPid(host);
      if (found === undefined) throw new Error(`carpd on ${host} is not running`);
      return found;
    };
    return { h1: pid('h1'), h2: pid('h2') };
  }

  async counters(): Promise<Record<HostName, BalancingHostCounters>> {
    const [h1, h2] = await Promise.all(HOSTS.map((host) => readBalancingCounters(this.carpLab, host)));
    if (!h1 || !h2) throw new Error('no counters for a carp host');
    return { h1, h2 };
  }

  /** Moves to `layout` and waits until every node is where the layout wants it. */
  async use(layout: Layout): Promise<void> {
    if (layout === this.current) return;
    const { carpLab } = this;
    if (layout === 'one') {
      // Bow out first, so h1 takes node 2 at once rather than after a master-down timeout.
      await carpLab.ctl(LEAVING, 'carp0', 'down');
      await carpLab.waitFor(`${STAYING} MASTER of both nodes`, () => this.inNodeStates(STAYING, EXPECTED.one[STAYING]), LAYOUT_TIMEOUT_MS);
      await carpLab.net.exec('lan', 'ip', ['link', 'set', `p-${LEAVING}`, 'down']);
    } else {
      await carpLab.net.exec('lan', 'ip', ['link', 'set', `p-${LEAVING}`, 'up']);
      await carpLab.ctl(LEAVING, 'carp0', 'up');
      await carpLab.waitFor('each host MASTER of its own node', () => this.inLayout('two'), LAYOUT_TIMEOUT_MS);
    }
    this.current = layout;
  }

  /** Throws unless every node is in the state the current layout wants (no takeover during a run). */
  async checkLayout(): Promise<void> {
    if (!(await this.inLayout(this.current))) throw new Error(`layout ${this.current} no longer holds: ${await this.describeNodes()}`);
  }

  /** After a takeover: waits until preemption has put every node back where the layout wants it. */
  async restoreLayout(): Promise<void> {
    await this.carpLab.waitFor(`layout ${this.current} again`, () => this.inLayout(this.current), LAYOUT_TIMEOUT_MS);
  }

  /** Each node's state and why it got there, for a failed run's message. */
  async describeNodes(): Promise<string> {
    const hosts = await Promise.all(
      HOSTS.map(async (host) => {
        const nodes = (await this.carpLab.status(host)).nodes.map((node) => {
          const why = node.lastTransition === null ? '' : ` (${node.lastTransition.text}, ${node.lastTransition.secondsAgo} s ago)`;
          return `vhid ${node.vhid} ${node.state}${why}`;
        });
        return `${host}: ${nodes.join(', ')}`;
      }),
    );
    return hosts.join('; ');
  }

  /** Also ends the iperf3 servers: the namespace lab kills every process it spawned. */
  async cleanup(): Promise<void> {
    await this.carpLab.cleanup();
  }

  private async setUp(): Promise<void> {
    const lab = this.carpLab;
    for (const { source } of this.flows) await lab.net.exec(CLIENT, 'ip', ['addr', 'add', `${source}/24`, 'dev', 'eth0']);
    for (const [i, host] of HOSTS.entries()) {
      await lab.startDaemon(host, { config: { 'sysctl.conf': 'net.inet.carp.preempt=1\n' } });
      const carpnodes = HOSTS.map((other, node) => `${node + 1}:${other === host ? 0 : 100}`).join(',');
      await lab.configureCarp(host, `carpnodes ${carpnodes} balancing ip pass bench carpdev eth0`);
      for (const { server } of this.flows) this.startIperfServer(host, server.port);
      await lab.waitFor(`${host} MASTER of node ${i + 1}`, async () => (await this.nodeStates(host))[i] === 'MASTER', LAYOUT_TIMEOUT_MS);
    }
    await lab.waitFor('each host MASTER of its own node', () => this.inLayout('two'), LAYOUT_TIMEOUT_MS);
    for (const host of HOSTS) await this.waitListening(host);
    // Resolves the VIP to the multicast MAC on the client and proves the VIP answers before anything is timed.
    const output = await runInNamespace(lab.net, CLIENT, 'ping', ['-n', '-c', '3', '-i', '0.2', '-W', '2', VIP4], 10_000);
    if (output.code !== 0) throw new Error(describeFailure(`ping ${VIP4}`, output));
  }

  /** Bound to the VIP, so that every answer leaves from it (see the data-plane case). */
  private startIperfServer(host: HostName, port: number): void {
    const server = this.carpLab.net.spawn(host, 'iperf3', ['-s', '-B', VIP4, '-p', String(port)]);
    // Its per-second report is of no use here, but an unread pipe would stall it once full.
    server.stdout?.resume();
    server.stderr?.resume();
  }

  private async waitListening(host: HostName): Promise<void> {
    await this.carpLab.waitFor(`${this.flows.length} iperf3 servers listening on ${host}`, async () => {
      const { stdout } = await this.carpLab.net.exec(host, 'ss', ['-Hltn', `src ${VIP4}`]);
      return stdout.split('\n').filter(Boolean).length >= this.flows.length;
    });
  }

  private async inLayout(layout: Layout): Promise<boolean> {
    for (const host of HOSTS) {
      if (!(await this.inNodeStates(host, EXPECTED[layout][host]))) return false;
    }
    return true;
  }

  private async inNodeStates(host: HostName, wanted: readonly CarpState[]): Promise<boolean> {
    const states = await this.nodeStates(host);
    return wanted.every((state, node) => states[node] === state);
  }

  private async nodeStates(host: HostName): Promise<CarpState[]> {
    return (await this.carpLab.status(host)).nodes.map((node) => node.state);
  }
}
