/**
 * What a restarted carpd needs to know of the one before it: which virtual hosts were MASTER, and
 * when each last advertised. Kept in the runtime directory (/run: gone at reboot, when nothing of
 * it is true any more), in one small JSON file replaced atomically. A change of which nodes are
 * MASTER is written within CHANGE_DELAY_MS; newer advertisement times alone only within
 * REFRESH_DELAY_MS, so that hundreds of MASTERs do not rewrite the file several times a second.
 * An entry may be that much older than the truth — which only makes a resume more cautious, never
 * less: at advbase 1 a carpd restarted within 1.5 s of a crash still resumes (mayResume: 2.5 s).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Millis } from '../carp/types';
import type { TimerApi } from './driver';

export const JOURNAL_FILE = 'state.json';
const CHANGE_DELAY_MS = 200;
const REFRESH_DELAY_MS = 1000;
const VERSION = 1;

export interface JournalEntry {
  readonly ifname: string;
  readonly vhid: number;
  /** The monotonic time (ms since boot) of its last advertisement as MASTER. */
  readonly lastAdvertisement: Millis;
}

/** An entry as the journal keeps it: a MASTER advertises every second, and its entry is updated in place. */
interface MasterEntry {
  readonly ifname: string;
  readonly vhid: number;
  lastAdvertisement: Millis;
}

export class StateJournal {
  /** By carp interface, then vhid. */
  private readonly masters = new Map<string, Map<number, MasterEntry>>();
  private pending: { readonly timer: NodeJS.Timeout; readonly delay: number } | null = null;

  constructor(
    /** The runtime directory; the journal is its JOURNAL_FILE. */
    private readonly dir: string,
    private readonly timers: TimerApi,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The entries the previous carpd left; a missing or unreadable journal is an empty one. */
  load(): JournalEntry[] {
    let text: string;
    try {
      text = readFileSync(join(this.dir, JOURNAL_FILE), 'utf8');
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(e);
      return [];
    }
    try {
      return parseJournal(text);
    } catch (e: unknown) {
      this.onError(e);
      return [];
    }
  }

  /** A MASTER node advertised. */
  advertised(ifname: string, vhid: number, now: Millis): void {
    let nodes = this.masters.get(ifname);
    if (nodes === undefined) this.masters.set(ifname, (nodes = new Map<number, MasterEntry>()));
    const entry = nodes.get(vhid);
    if (entry !== undefined) {
      entry.lastAdvertisement = now;
      this.scheduleWrite(REFRESH_DELAY_MS);
    } else {
      nodes.set(vhid, { ifname, vhid, lastAdvertisement: now });
      this.scheduleWrite(CHANGE_DELAY_MS);
    }
  }

  /** A node is no longer MASTER (or bowed out, or is gone): a restart must not resume it. */
  left(ifname: string, vhid: number): void {
    const nodes = this.masters.get(ifname);
    if (nodes === undefined || !nodes.delete(vhid)) return;
    if (nodes.size === 0) this.masters.delete(ifname);
    this.scheduleWrite(CHANGE_DELAY_MS);
  }

  /** Writes now what is pending (an orderly stop). */
  flush(): void {
    if (this.pending !== null) this.timers.clearTimeout(this.pending.timer);
    this.pending = null;
    this.write();
  }

  /** A write within `delay` ms: a pending one due as soon serves, a later one is brought forward. */
  private scheduleWrite(delay: number): void {
    if (this.pending !== null) {
      if (this.pending.delay <= delay) return;
      this.timers.clearTimeout(this.pending.timer);
    }
    const timer = this.timers.setTimeout(() => {
      this.pending = null;
      this.write();
    }, delay);
    this.pending = { timer, delay };
  }

  private write(): void {
    const path = join(this.dir, JOURNAL_FILE);
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(`${path}.new`, `${JSON.stringify({ version: VERSION, masters: [...this.masters.values()].flatMap((nodes) => [...nodes.values()]) })}\n`, { mode: 0o600 });
      renameSync(`${path}.new`, path);
    } catch (e: unknown) {
      this.onError(e);
    }
  }
}

function parseJournal(text: string): JournalEntry[] {
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== 'object' || parsed === null || (parsed as { version?: unknown }).version !== VERSION) {
    throw new Error(`${JOURNAL_FILE}: not a version ${VERSION} journal`);
  }
  const masters = (parsed as { masters?: unknown }).masters;
  if (!Array.isArray(masters)) throw new Error(`${JOURNAL_FILE}: no list of masters`);
  return masters.filter(isEntry);
}

function isEntry(value: unknown): value is JournalEntry {
  const e = value as Partial<JournalEntry> | null;
  return (
    typeof e === 'object' && e !== null && typeof e.ifname === 'string' && Number.isInteger(e.vhid) && typeof e.lastAdvertisement === 'number'
  );
}

/**
 * Whether a node whose last advertisement was at `last` may resume as MASTER at `now`: only
 * while no peer can have timed out. A peer's master-down interval is at least 3 × advbase
 * (docs/protocol.md §3.2, both formulas); half an advbase of it is kept as a margin for the time
 * the first advertisement takes to reach the peers.
 */
export function mayResume(last: Millis, now: Millis, advbase: number): boolean {
  const window = 3 * advbase * 1000 - (advbase * 1000) / 2;
  return now >= last && now - last < window;
}
