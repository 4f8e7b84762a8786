/**
 * Which CARP events are logged, by OpenBSD's rule for net.inet.carp.log (docs/protocol.md §5.1):
 * an event is logged when the knob is at least its syslog priority; the pino level of each record
 * is in docs/carpd.8.md LOGGING. Messages follow OpenBSD's words ("carp0: state transition
 * (vhid 1): BACKUP -> MASTER"). Lines about one virtual host go through a child logger bound to its
 * ifname and vhid. Dropped packets are rate-limited per carpdev, vhid and reason, so a flood from a
 * hostile host cannot flood the journal; the next record says how many were left out.
 */
import {
  DEMOTION_REASONS,
  type DemotionAction,
  type DropAction,
  type DropReason,
  type LinkStateAction,
  type Millis,
  type StateChangeAction,
  TRANSITION_REASONS,
} from '../carp/types';
import { describeError } from './describe-error';
import type { Logger } from './logger';

/** syslog priorities as OpenBSD's ip_carp.c uses them. */
const LOG_CRIT = 2;
const LOG_ERR = 3;
const LOG_WARNING = 4;
const LOG_NOTICE = 5;
const LOG_INFO = 6;
/** OpenBSD logs its lsmask (the vhids this host is MASTER of) at 7. */
const LOG_DEBUG = 7;

const DROP_PRIORITY: Record<DropReason, number> = {
  hdrops: LOG_INFO,
  badsum: LOG_INFO,
  badver: LOG_NOTICE,
  badvhid: LOG_INFO,
  badttl: LOG_NOTICE,
  badauth: LOG_INFO,
  loop: LOG_WARNING,
  replay: LOG_WARNING,
  disallowed: LOG_INFO,
  badpeer: LOG_NOTICE,
  wrongver: LOG_WARNING,
  badaddrs: LOG_NOTICE,
};

/** At most one record per (carpdev, vhid, reason) in this window; the rest are counted. */
export const DROP_LOG_INTERVAL_MS = 10_000;

export class CarpEventLog {
  private readonly lastDropLog = new Map<string, { at: Millis; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    /** Current value of net.inet.carp.log. */
    private readonly level: () => number,
    private readonly now: () => Millis,
  ) {}

  stateChanged(action: StateChangeAction): void {
    const involvesInit = action.from === 'INIT' || action.to === 'INIT';
    if (this.level() < (involvesInit ? LOG_WARNING : LOG_CRIT)) return;
    this.vhost(action.ifname, action.vhid).info(
      { from: action.from, to: action.to, reason: action.reason },
      `${action.ifname}: state transition (vhid ${action.vhid}): ${action.from} -> ${action.to} (${TRANSITION_REASONS[action.reason]})`,
    );
  }

  demotionChanged(action: DemotionAction): void {
    if (this.level() < LOG_ERR) return;
    const what = action.group === null ? 'net.inet.carp.demotion' : `group ${action.group}`;
    const verb = action.to >= action.from ? 'demoted' : 'promoted';
    this.logger.warn(
      { group: action.group, from: action.from, to: action.to, reason: action.reason },
      `carp: ${verb} ${what} by ${Math.abs(action.to - action.from)} to ${action.to} (${DEMOTION_REASONS[action.reason]})`,
    );
  }

  dropped(action: DropAction): void {
    if (this.level() < DROP_PRIORITY[action.reason]) return;
    const key = `${action.carpdev}/${action.vhid ?? '-'}/${action.reason}`;
    const previous = this.lastDropLog.get(key);
    const now = this.now();
    if (previous && now - previous.at < DROP_LOG_INTERVAL_MS) {
      previous.suppressed++;
      return;
    }
    this.lastDropLog.set(key, { at: now, suppressed: 0 });
    const suppressed = previous?.suppressed ?? 0;
    const more = suppressed === 0 ? '' : ` (${suppressed} more like it since the last record)`;
    const level = action.reason === 'badauth' || action.reason === 'loop' || action.reason === 'replay' ? 'warn' : 'info';
    // Before a vhid matched, the packet is the carpdev's: no virtual host to bind.
    const { ifname, vhid } = action;
    const logger = ifname === null || vhid === null ? this.logger.child({ ifname, vhid }) : this.vhost(ifname, vhid);
    logger[level](
      { carpdev: action.carpdev, reason: action.reason, suppressed },
      `${action.ifname ?? action.carpdev}: ${action.detail}${more}`,
    );
  }

  sendFailed(ifname: string, vhid: number, error: unknown): void {
    if (this.level() < LOG_WARNING) return;
    this.vhost(ifname, vhid).warn({ err: error }, `${ifname}: advertisement could not be sent: ${describeError(error)}`);
  }

  /** The vhids carpN is MASTER of and its carrier: OpenBSD's lsmask debugging, at debug level. */
  linkChanged(action: LinkStateAction): void {
    if (this.level() < LOG_DEBUG) return;
    const masters = action.masters.length === 0 ? 'no vhid' : `vhid ${action.masters.join(',')}`;
    this.logger.debug(
      { ifname: action.ifname, up: action.up, masters: action.masters },
      `${action.ifname}: link ${action.up ? 'up' : 'down'}, MASTER of ${masters}`,
    );
  }

  /** The logger of the lines about one virtual host. */
  private vhost(ifname: string, vhid: number): Logger {
    return this.logger.child({ ifname, vhid });
  }
}
