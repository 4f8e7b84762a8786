/**
 * A carpd restarted after a crash (systemd restarts it within a second) takes MASTER back at once
 * for the virtual hosts it was MASTER of, if its peers cannot have timed out yet: the address
 * then never moves, where waiting in BACKUP would cost a whole failover. Later than that, a peer
 * may already be MASTER, and the node comes back as BACKUP as after any start.
 */
import type { CarpHostApi } from '../carp/types';
import type { Clock } from './clock';
import type { Driver } from './driver';
import type { Logger } from './logger';
import { type JournalEntry, mayResume } from './state-journal';

export function resumeMasters(entries: readonly JournalEntry[], host: CarpHostApi, driver: Driver, clock: Clock, logger: Logger): void {
  const now = clock.now();
  const byInterface = new Map<string, JournalEntry[]>();
  for (const entry of entries) byInterface.set(entry.ifname, [...(byInterface.get(entry.ifname) ?? []), entry]);
  for (const [ifname, journal] of byInterface) {
    const status = host.interfaceStatus(ifname);
    if (status === undefined) continue;
    const resumed: number[] = [];
    for (const entry of journal) {
      if (!status.nodes.some((n) => n.vhid === entry.vhid)) continue;
      const ago = ((now - entry.lastAdvertisement) / 1000).toFixed(1);
      if (mayResume(entry.lastAdvertisement, now, status.config.advbase)) {
        resumed.push(entry.vhid);
        logger.info({ ifname, vhid: entry.vhid }, `${ifname}: vhid ${entry.vhid} resumes as MASTER: the previous carpd advertised ${ago} s ago`);
      } else {
        logger.info({ ifname, vhid: entry.vhid }, `${ifname}: vhid ${entry.vhid} starts as BACKUP: the previous carpd last advertised ${ago} s ago, so a peer may have taken over`);
      }
    }
    if (resumed.length > 0) driver.run((t) => host.resumeMaster(ifname, resumed, t));
  }
}
