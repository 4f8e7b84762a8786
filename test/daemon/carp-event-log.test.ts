/**
 * net.inet.carp.log onto the log (docs/carpd.8.md LOGGING): which events each value lets through,
 * at which pino level, bound to their virtual host, and the rate limit of dropped packets.
 */
import assert from 'node:assert/strict';
import type { DemotionAction, DropAction, LinkStateAction, StateChangeAction } from '../../src/carp/types';
import { CarpEventLog, DROP_LOG_INTERVAL_MS } from '../../src/daemon/carp-event-log';
import { createLogger } from '../../src/daemon/logger';
import type { LogRecord } from './lab';

const TAKEOVER: StateChangeAction = { kind: 'state', ifname: 'carp0', vhid: 3, from: 'BACKUP', to: 'MASTER', reason: 'master-down' };
const STARTED: StateChangeAction = { kind: 'state', ifname: 'carp0', vhid: 3, from: 'INIT', to: 'BACKUP', reason: 'ready' };
const DEMOTED: DemotionAction = { kind: 'demotion', group: 'carp', from: 0, to: 1, reason: 'admin' };
const TTL: DropAction = { kind: 'drop', carpdev: 'eth0', ifname: 'carp0', vhid: 3, reason: 'badttl', detail: 'received ttl 64 != 255 from 10.77.0.9' };
const HASH: DropAction = { kind: 'drop', carpdev: 'eth0', ifname: 'carp0', vhid: 3, reason: 'badauth', detail: 'incorrect hash from 10.77.0.9' };
const SHORT: DropAction = { kind: 'drop', carpdev: 'eth0', ifname: null, vhid: null, reason: 'hdrops', detail: 'packet too short from 10.77.0.9' };
const LINK: LinkStateAction = { kind: 'link', ifname: 'carp0', up: true, masters: [1, 3] };

function eventLog(level: number): { log: CarpEventLog; records: LogRecord[]; setNow: (t: number) => void } {
  const records: LogRecord[] = [];
  let now = 0;
  const logger = createLogger('debug', { write: (line: string) => void records.push(JSON.parse(line) as LogRecord) });
  return { log: new CarpEventLog(logger, () => level, () => now), records, setNow: (t) => (now = t) };
}

/** Every kind of event once. */
function everything(log: CarpEventLog): void {
  log.stateChanged(TAKEOVER);
  log.demotionChanged(DEMOTED);
  log.stateChanged(STARTED);
  log.sendFailed('carp0', 3, new Error('ENOBUFS'));
  log.dropped(TTL);
  log.dropped(HASH);
  log.dropped(SHORT);
  log.linkChanged(LINK);
}

describe('daemon/carp-event-log', () => {
  it('lets through the events of each net.inet.carp.log value, each at its pino level', () => {
    const seen = [0, 1, 2, 3, 4, 5, 6, 7].map((level) => {
      const { log, records } = eventLog(level);
      everything(log);
      return records.map((r) => `${r.level} ${r.msg}`);
    });
    const takeover = '30 carp0: state transition (vhid 3): BACKUP -> MASTER (master down timer expired)';
    const demoted = '40 carp: demoted group carp by 1 to 1 (set by administrator)';
    const started = '30 carp0: state transition (vhid 3): INIT -> BACKUP (interface up, configured and carpdev running)';
    const sendFailed = '40 carp0: advertisement could not be sent: ENOBUFS';
    const ttl = '30 carp0: received ttl 64 != 255 from 10.77.0.9';
    const hash = '40 carp0: incorrect hash from 10.77.0.9';
    const short = '30 eth0: packet too short from 10.77.0.9';
    const link = '20 carp0: link up, MASTER of vhid 1,3';
    assert.deepEqual(seen, [
      [],
      [],
      [takeover],
      [takeover, demoted],
      [takeover, demoted, started, sendFailed],
      [takeover, demoted, started, sendFailed, ttl],
      [takeover, demoted, started, sendFailed, ttl, hash, short],
      [takeover, demoted, started, sendFailed, ttl, hash, short, link],
    ]);
  });

  it('binds the lines about a virtual host to its ifname and vhid', () => {
    const { log, records } = eventLog(7);
    everything(log);
    const bound = (r: LogRecord): unknown => [r.ifname, r.vhid];
    assert.deepEqual(
      records.filter((r) => r.vhid !== undefined).map(bound),
      [
        ['carp0', 3],
        ['carp0', 3],
        ['carp0', 3],
        ['carp0', 3],
        ['carp0', 3],
        [null, null],
      ],
    );
    assert.deepEqual(records[0] && { from: records[0].from, to: records[0].to, reason: records[0].reason }, { from: 'BACKUP', to: 'MASTER', reason: 'master-down' });
  });

  it('logs a dropped packet once per interval and counts the rest into the next record', () => {
    const { log, records, setNow } = eventLog(6);
    for (let i = 0; i < 5; i++) log.dropped(HASH);
    log.dropped(TTL);
    setNow(DROP_LOG_INTERVAL_MS - 1);
    log.dropped(HASH);
    setNow(DROP_LOG_INTERVAL_MS);
    log.dropped(HASH);
    assert.deepEqual(
      records.map((r) => [r.msg, r.suppressed]),
      [
        ['carp0: incorrect hash from 10.77.0.9', 0],
        ['carp0: received ttl 64 != 255 from 10.77.0.9', 0],
        ['carp0: incorrect hash from 10.77.0.9 (5 more like it since the last record)', 5],
      ],
    );
  });
});
