/**
 * The tc requests of the in-kernel data path that carpd sends by rtnetlink itself rather than by
 * `tc` (docs/design.md, "The in-kernel data path"): a new clsact qdisc for each carp interface it
 * finds (resetEgress), which would be 1,000 processes at a start of 1,000, and the removal of a
 * path's tc half (remove), inside the call that asks for it. A host leaving MASTER must stop
 * sending from the virtual MAC in the same event-loop turn as its state change: a frame its
 * kernel still sends through carpN's egress redirect turns the switch back to it. A `tc` process
 * would do that a fork, an exec and a scheduling round later; here the kernel applies the
 * requests while the daemon's `sendmsg` runs.
 *
 * It removes filters only, never a qdisc: adding or removing a qdisc deactivates the device for
 * an RCU grace period, and a frame it sends meanwhile is dropped (docs/design.md). carpN gets its
 * clsact qdisc when carpd finds it, before it carries anything (resetEgress), and keeps it.
 *
 * Each request opens its own netlink socket: the `netlink` package sends at once only when its
 * queue is empty, and keeps a sent request queued until a timer turn, so a second removal on a
 * shared socket in the same turn (two interfaces leaving MASTER together) would wait for that
 * turn. One datagram carries all of a call's requests; the kernel runs them in order: carpN's
 * egress first, then the carpdev's redirects.
 */
import { constants } from 'node:os';
import { parseMessages } from 'netlink';
import { type FastPathSpec, filterPreference } from './fast-path-commands';
import { type TransportFactory, openRouteSocket } from './netlink-transport';
import { decodeErrno } from './rtnetlink-codec';
import { NLMSG_ERROR } from './rtnetlink-constants';
import { encodeAddClsact, encodeDeleteClsact, encodeDeleteIngressFilter, encodeFlushEgressFilters } from './tc-codec';

export interface FastPathRequests {
  /**
   * Removes the filters on carpN's egress (its redirect) and our redirects on the carpdev: the
   * requests reach the kernel before this returns. Resolves true when the kernel confirmed each
   * (or answered that it was not there), false when it refused one, did not answer, or could not
   * be asked (an interface without an index): the caller then removes them with `tc`.
   */
  remove(spec: FastPathSpec): Promise<boolean>;
  /**
   * Gives a carp interface carpd has just found a new, empty clsact qdisc: the old one goes with
   * whatever a crashed carpd left on it, whose carpdev and MAC of then are unknown. Resolves as
   * `remove` does.
   */
  resetEgress(ifname: string): Promise<boolean>;
}

/** The kernel answers at once; this only keeps a lost answer from holding a socket forever. */
const ANSWER_TIMEOUT_MS = 5000;

export class NetlinkFastPathRequests implements FastPathRequests {
  constructor(
    /** The interface's index, or null when the kernel has no such interface (the daemon's mirror). */
    private readonly indexOf: (ifname: string) => number | null,
    private readonly open: TransportFactory = openRouteSocket,
  ) {}

  remove(spec: FastPathSpec): Promise<boolean> {
    const carpIndex = this.indexOf(spec.ifname);
    const carpdevIndex = this.indexOf(spec.carpdev);
    if (carpIndex === null || carpdevIndex === null) return Promise.resolve(false);
    return this.request(removalRequests(spec, carpIndex, carpdevIndex));
  }

  /** One datagram instead of `tc` processes for every carp interface at a start: 1,000 at a boot of 1,000. */
  resetEgress(ifname: string): Promise<boolean> {
    const carpIndex = this.indexOf(ifname);
    if (carpIndex === null) return Promise.resolve(false);
    return this.request([encodeDeleteClsact(carpIndex, 1), encodeAddClsact(carpIndex, 2)]);
  }

  /** Sends `requests` (sequence numbers 1..n) in one datagram; true when each was done or found nothing to do. */
  private request(requests: Buffer[]): Promise<boolean> {
    return new Promise((resolve) => {
      const answered = new Set<number>();
      let refused = false;
      let done = false;
      let transport: ReturnType<TransportFactory> | null = null;
      const finish = (outcome: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        transport?.close();
        resolve(outcome);
      };
      const timer = setTimeout(() => finish(false), ANSWER_TIMEOUT_MS);
      timer.unref();
      try {
        transport = this.open({
          datagram: (data) => {
            try {
              for (const message of parseMessages(data)) {
                if (message.type !== NLMSG_ERROR || message.seq < 1 || message.seq > requests.length) continue;
                const errno = decodeErrno(message.data);
                if (errno !== 0 && errno !== -constants.errno.ENOENT) refused = true;
                answered.add(message.seq);
              }
            } catch {
              refused = true;
            }
            if (refused || answered.size === requests.length) finish(!refused);
          },
          error: () => finish(false),
        });
        transport.send(requests, () => finish(false));
      } catch {
        finish(false);
      }
    });
  }
}

/** Sequence numbers 1..3, each request acknowledged on its own. */
export function removalRequests(spec: FastPathSpec, carpIndex: number, carpdevIndex: number): Buffer[] {
  return [
    encodeFlushEgressFilters(carpIndex, 1),
    encodeDeleteIngressFilter(carpdevIndex, filterPreference(spec.mac, 0), 2),
    encodeDeleteIngressFilter(carpdevIndex, filterPreference(spec.mac, 1), 3),
  ];
}
