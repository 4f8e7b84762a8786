/** Reads systemd/carpd.service, so tests check the unit that is shipped, not a copy of it. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** From dist/test/systemd (compiled) or test/systemd (source): the repository root is three or two up. */
function shipped(file: string): string {
  return [resolve(__dirname, '../../../systemd', file), resolve(__dirname, '../../systemd', file)].find(existsSync) as string;
}

export const UNIT_PATH = shipped('carpd.service');
/** The drop-in for real-time scheduling (docs/carpd.8.md SCHEDULING). */
export const REALTIME_DROP_IN_PATH = shipped('realtime.conf');

/**
 * The exposure `systemd-analyze security` gives the unit (docs/carpd.8.md SECURITY OF THE UNIT), as
 * its --threshold takes it: 26 is 2.6. The unit as it was before the hardening scored 4.4.
 */
export const EXPOSURE_THRESHOLD = 26;

/** The values of `key=` in the unit (or in another file of systemd's syntax), in order. */
export function unitValues(key: string, path = UNIT_PATH): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
}

/** CAP_NET_ADMIN CAP_NET_RAW -> ['net_admin', 'net_raw'] (setpriv's spelling). */
export function boundingCapabilities(): string[] {
  return (unitValues('CapabilityBoundingSet')[0] ?? '').split(/\s+/).filter(Boolean).map((c) => c.replace(/^CAP_/, '').toLowerCase());
}

/**
 * The variables the unit's Environment= lines give carpd, so that the labs and the bench start
 * carpd as systemd does (docs/benchmarks.md, "Scale"). One assignment a line, quoted when its value
 * has spaces; nothing else of systemd's syntax.
 */
export function unitEnvironment(): Record<string, string> {
  return Object.fromEntries(
    unitValues('Environment').map((line) => {
      const match = /^"([A-Z_][A-Z0-9_]*)=([^"]*)"$/.exec(line) ?? /^([A-Z_][A-Z0-9_]*)=(\S*)$/.exec(line);
      if (!match) throw new Error(`${UNIT_PATH}: Environment=${line}: expected one KEY=value, quoted if it has spaces`);
      return [match[1] as string, match[2] as string];
    }),
  );
}
