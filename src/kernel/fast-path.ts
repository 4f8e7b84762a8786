/**
 * Installs and removes the in-kernel data path of carp interfaces (fast-path-commands.ts) as the
 * relay asks, one change at a time, with iproute2 `tc` and `nft` (execFile, never a shell). The
 * relay keeps carrying an interface's frames until `active` says the kernel does; it takes them
 * back before it asks for a removal, so a change may duplicate a few frames but loses none.
 *
 * An install starts PROCESS_DELAY_MS after it is asked for, if it is still wanted then: the relay
 * carries a new MASTER through its takeover. A removal does not wait at all: the tc half (carpN's
 * egress redirect, the carpdev's redirects) goes by rtnetlink in the call that asks for it
 * (fast-path-requests.ts), so a host leaving MASTER stops sending from the virtual MAC in the
 * turn of its state change, and an install still under way stops at its next command. The `tc`
 * commands follow at once where the rtnetlink removal failed; the nftables mark, harmless alone,
 * goes PROCESS_DELAY_MS later, so that no process competes with the takeover of the host that
 * takes over (or at once when carpN is forgotten or carpd stops).
 *
 * The first time an interface or a carpdev is seen, what a crashed carpd may have left on it is
 * removed: carpN gets a new, empty clsact qdisc (by rtnetlink, where it can), its nftables chain
 * goes, and so do our preferences on the carpdev. From then on the path only adds and removes
 * filters: a qdisc change on a running device can drop a frame (fast-path-commands.ts), so the
 * carpdev's clsact qdisc too comes before the first install (prepareCarpdev).
 */
import { execFile } from 'node:child_process';
import { KernelError } from './errors';
import {
  type FastPathBatch,
  type FastPathCommand,
  type FastPathSpec,
  type FastPathTool,
  addClsact,
  batches,
  installCommands,
  installPhases,
  ourPreferences,
  removeMark,
  removePreference,
  removeStaleTable,
  removeTcCommands,
  resetEgressCommands,
  sameFastPath,
} from './fast-path-commands';
import type { FastPathRequests } from './fast-path-requests';

/** Runs `tool` with the arguments (and `input` on its stdin) and returns its stdout; rejects with a KernelError quoting stderr. */
export type FastPathRunner = (tool: FastPathTool, args: readonly string[], input?: string) => Promise<string>;

const TOOL_TIMEOUT_MS = 10_000;

export const runFastPathTool: FastPathRunner = (tool, args, input = '') =>
  new Promise((resolve, reject) => {
    const child = execFile(tool, [...args], { timeout: TOOL_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error === null) return resolve(stdout);
      const code = typeof error.code === 'string' ? error.code : 'EIPROUTE2';
      const command = `${tool} ${args.join(' ')}${input === '' ? '' : ` <<< ${JSON.stringify(input)}`}`;
      reject(new KernelError(code, `${command}: ${stderr.trim() || error.message}`, { cause: error }));
    });
    // A tool that exits before reading all of its input breaks the pipe: its exit status says why.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });

export interface FastPathEvents {
  /** The kernel now carries carpN's unicast IP frames as `spec` says. */
  active(ifname: string, spec: FastPathSpec): void;
  /** Installing failed (and what was installed of it was removed): the relay keeps carrying the frames. */
  failed(ifname: string, error: Error): void;
}

/**
 * How long a new MASTER leaves its traffic to the relay before it starts the processes of an
 * install (and an old one waits before the process that removes the nftables mark). Each start forks the daemon and blocks its event loop, and the first moments of a
 * takeover are when the relay must be quick: the new MASTER's kernel resolves its clients (ARP
 * through the relay) before it can answer them. Measured in a lab on a loaded 2-vCPU machine, an
 * install started at once delayed that ARP request by 60 ms (docs/benchmarks.md, *Failover*).
 */
export const PROCESS_DELAY_MS = 1000;

/** An install that stopped because the relay asked for something else meanwhile. */
class Abandoned extends Error {}

interface Install {
  readonly ifname: string;
  readonly spec: FastPathSpec;
}

export class FastPath {
  private readonly wanted = new Map<string, FastPathSpec | null>();
  /** Complete in the kernel, as far as we know. */
  private readonly installed = new Map<string, FastPathSpec>();
  /** Being installed by the queue's current step. */
  private readonly installing = new Map<string, FastPathSpec>();
  /** Removals sent at once: when their tc half is gone (by `tc` where rtnetlink failed); the queue removes their nftables mark. */
  private readonly removals = new Map<string, { readonly spec: FastPathSpec; readonly tcGone: Promise<void> }[]>();
  /** The tc halves of removals still going (their `tc` fallback runs outside the queue). */
  private readonly fallbacks = new Set<Promise<void>>();
  private readonly checkedCarpdevs = new Set<string>();
  private readonly preparedCarpdevs = new Set<string>();
  /**
   * Tools that could not be started (ENOENT: not installed). Nothing that needs one runs again
   * in this carpd: on a host without nftables every takeover would otherwise fork a process per
   * interface only to fail, and warn for each. Their absence is reported once.
   */
  private readonly missingTools = new Set<FastPathTool>();
  private missingReported = false;
  /** Interfaces whose reconcile step is queued: the first to run installs the others' paths with its own. */
  private readonly due = new Set<string>();
  private queue: Promise<void>;

  constructor(
    private readonly runner: FastPathRunner,
    private readonly events: FastPathEvents,
    /** null: removals wait their turn in the queue and run `tc`. */
    private readonly requests: FastPathRequests | null = null,
    /**
     * Runs a step that may wait (PROCESS_DELAY_MS in the daemon): an install, and the removal of
     * the nftables mark after a leave, which are processes. At once by default.
     */
    private readonly defer: (start: () => void) => void = (start) => start(),
  ) {
    this.queue = this.runAll([removeStaleTable()]).catch(() => undefined);
  }

  /** What carpN should have: a fast path, or none. The first call for an interface also clears what a crash left on it. */
  want(ifname: string, spec: FastPathSpec | null): void {
    this.change(ifname, spec, this.defer);
  }

  /** A carpdev carpd uses: the first call removes the redirects a crashed carpd left on it. */
  useCarpdev(carpdev: string): void {
    if (this.checkedCarpdevs.has(carpdev)) return;
    this.enqueue(() => this.clearStaleRedirects(carpdev));
  }

  /**
   * The path may come to this carpdev: it gets its clsact qdisc now, once, rather than at an
   * install, when the host has just taken over and its traffic is under way.
   */
  prepareCarpdev(carpdev: string): void {
    if (this.preparedCarpdevs.has(carpdev)) return;
    this.preparedCarpdevs.add(carpdev);
    this.enqueue(() => this.runAll([addClsact(carpdev)]));
  }

  /** carpN is gone or no longer ours: removes its fast path, the nftables mark too without waiting, and forgets it. */
  forget(ifname: string): void {
    this.change(ifname, null, (start) => start());
    this.enqueue(() => {
      if (this.wanted.get(ifname) === null) this.wanted.delete(ifname);
      return Promise.resolve();
    });
  }

  /** Removes every fast path (carpd stops). */
  close(): Promise<void> {
    for (const ifname of [...this.wanted.keys()]) this.forget(ifname);
    return this.settled();
  }

  /** Resolves when every change asked for so far is done (deferred ones once they have started). */
  settled(): Promise<void> {
    return this.queue.then(async () => {
      await Promise.all(this.fallbacks);
    });
  }

  private change(ifname: string, spec: FastPathSpec | null, when: (start: () => void) => void): void {
    const known = this.wanted.has(ifname);
    if (known && sameFastPath(this.wanted.get(ifname) ?? null, spec) && !this.removals.has(ifname)) return;
    this.wanted.set(ifname, spec);
    this.removeAtOnce(ifname, spec);
    if (!known) this.enqueue(() => this.resetEgress(ifname));
    when(() => {
      if (!sameFastPath(this.wanted.get(ifname) ?? null, spec)) return;
      this.due.add(ifname);
      this.enqueue(() => this.reconcile(ifname));
    });
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch(() => undefined);
  }

  /** What the kernel has or is getting for carpN, if it is not `spec`, starts to go now. */
  private removeAtOnce(ifname: string, spec: FastPathSpec | null): void {
    const present = this.installed.get(ifname) ?? this.installing.get(ifname);
    if (present === undefined || sameFastPath(present, spec)) return;
    this.installed.delete(ifname);
    const done = this.requests === null ? Promise.resolve(false) : this.requests.remove(present);
    // The fallback does not wait for the queue; an install of carpN waits for it (finishRemovals).
    const tcGone = done.then((removed) => (removed ? undefined : this.runAll(removeTcCommands(present)))).catch(() => undefined);
    this.fallbacks.add(tcGone);
    void tcGone.then(() => this.fallbacks.delete(tcGone));
    this.removals.set(ifname, [...(this.removals.get(ifname) ?? []), { spec: present, tcGone }]);
  }

  private async reconcile(ifname: string): Promise<void> {
    this.due.delete(ifname);
    // The leaves of the others queued behind it too: one `nft` for all their marks.
    await this.finishRemovals([ifname, ...[...this.due].filter((other) => this.removals.has(other))]);
    const want = this.wanted.get(ifname) ?? null;
    if (want === null || sameFastPath(want, this.installed.get(ifname) ?? null)) return;
    if (this.missingTools.size > 0) return this.reportMissing(ifname, null);
    const others = this.takeDueInstalls();
    if (others.length === 0) return this.installOne(ifname, want);
    return this.installTogether([{ ifname, spec: want }, ...others]);
  }

  /**
   * The installs whose reconcile step is queued behind this one, with nothing to remove first:
   * an interface that leaves and comes back keeps its own step. Their steps find them installed.
   */
  private takeDueInstalls(): Install[] {
    const taken: Install[] = [];
    for (const ifname of this.due) {
      const spec = this.wanted.get(ifname) ?? null;
      if (spec === null || this.removals.has(ifname) || sameFastPath(spec, this.installed.get(ifname) ?? null)) continue;
      this.due.delete(ifname);
      taken.push({ ifname, spec });
    }
    return taken;
  }

  /**
   * The installs of a takeover of many interfaces, as three processes in all instead of three
   * each: each process holds every interface's lines of its run (installPhases). An interface
   * whose wish changes meanwhile drops out of the runs still to come and loses what it got. A
   * run that fails takes back what every interface got; each is then installed alone, the first
   * here and the others by their own queued steps, so that a failure is reported for the
   * interface it belongs to.
   */
  private async installTogether(group: readonly Install[]): Promise<void> {
    for (const { ifname, spec } of group) this.installing.set(ifname, spec);
    const stillWanted = ({ ifname, spec }: Install): boolean => sameFastPath(this.wanted.get(ifname) ?? null, spec);
    let failed = false;
    try {
      for (const carpdev of new Set(group.map(({ spec }) => spec.carpdev))) await this.clearStaleRedirects(carpdev);
      const phases = group.map(({ spec }) => installPhases(spec));
      for (let phase = 0; phase < (phases[0]?.length ?? 0); phase++) {
        const commands = group.flatMap((install, i) => (stillWanted(install) ? (phases[i]?.[phase] ?? []) : []));
        for (const batch of batches(commands)) await this.runOne(batch);
      }
    } catch {
      failed = true;
    }
    for (const { ifname } of group) this.installing.delete(ifname);
    // Taken back too: an interface that left and came back meanwhile, whose removal went at once
    // and may have taken part of what the runs added.
    const takenBack = new Set(group.filter((install) => failed || !stillWanted(install) || this.removals.has(install.ifname)));
    // No await from the last check to each `installed`: what is recorded is what is wanted.
    for (const install of group) {
      if (takenBack.has(install)) continue;
      this.installed.set(install.ifname, install.spec);
      this.events.active(install.ifname, install.spec);
    }
    for (const install of takenBack) {
      await this.removeTc(install.spec);
      if (stillWanted(install) && !this.removals.has(install.ifname)) await this.runAll(removeMark(install.ifname));
      else await this.finishRemovals([install.ifname]);
    }
    const [first] = group;
    if (first !== undefined && takenBack.has(first) && stillWanted(first)) await this.installOne(first.ifname, first.spec);
  }

  private async installOne(ifname: string, want: FastPathSpec): Promise<void> {
    this.installing.set(ifname, want);
    try {
      await this.clearStaleRedirects(want.carpdev);
      for (const batch of batches(installCommands(want))) {
        this.stillWanted(ifname, want);
        await this.runOne(batch);
      }
      this.stillWanted(ifname, want);
    } catch (e: unknown) {
      this.installing.delete(ifname);
      // Abandoned: its removal went when the wish changed, but a command running then may have added more.
      await this.removeTc(want);
      if (e instanceof Abandoned) return this.finishRemovals([ifname]);
      await this.runAll(removeMark(ifname));
      if (this.missingTools.size > 0) return this.reportMissing(ifname, e);
      this.events.failed(ifname, e instanceof Error ? e : new Error(String(e)));
      return;
    }
    // No await since the last check: what is installed is still what is wanted.
    this.installing.delete(ifname);
    this.installed.set(ifname, want);
    this.events.active(ifname, want);
  }

  private stillWanted(ifname: string, spec: FastPathSpec): void {
    if (!sameFastPath(this.wanted.get(ifname) ?? null, spec)) throw new Abandoned();
  }

  /** The removals sent at once of these interfaces: their tc half gone, then their nftables marks, in one process. */
  private async finishRemovals(ifnames: readonly string[]): Promise<void> {
    const marks = new Set<string>();
    for (const ifname of ifnames) {
      const removals = this.removals.get(ifname) ?? [];
      this.removals.delete(ifname);
      for (const { spec, tcGone } of removals) {
        await tcGone;
        marks.add(spec.ifname);
      }
    }
    if (marks.size <= 1) return this.runAll([...marks].flatMap(removeMark));
    // nft -f applies all of its lines or none: a chain one install never made fails the whole
    // batch, and then each mark goes on its own.
    try {
      await this.runAll([...marks].flatMap(removeMark).map((command) => ({ ...command, mayFail: false })));
    } catch {
      for (const ifname of marks) await this.runAll(removeMark(ifname));
    }
  }

  private async removeTc(spec: FastPathSpec): Promise<void> {
    const removed = this.requests === null ? false : await this.requests.remove(spec);
    if (!removed) await this.runAll(removeTcCommands(spec));
  }

  /** A new clsact qdisc for carpN instead of a crashed run's: by rtnetlink, or by `tc` where that fails. */
  private async resetEgress(ifname: string): Promise<void> {
    const reset = this.requests === null ? false : await this.requests.resetEgress(ifname);
    if (!reset) await this.runAll(resetEgressCommands(ifname));
  }

  private async clearStaleRedirects(carpdev: string): Promise<void> {
    if (this.checkedCarpdevs.has(carpdev)) return;
    this.checkedCarpdevs.add(carpdev);
    if (this.missingTools.has('tc')) return;
    let listing: string;
    try {
      listing = await this.runner('tc', ['-json', 'filter', 'show', 'dev', carpdev, 'ingress']);
    } catch (e: unknown) {
      if (e instanceof KernelError && e.code === 'ENOENT') this.missingTools.add('tc');
      return;
    }
    await this.runAll(ourPreferences(listing).map((pref) => removePreference(carpdev, pref)));
  }

  /** Runs the commands in order; a failing one that may not fail rejects, and the rest are not run. */
  private async runAll(commands: readonly FastPathCommand[]): Promise<void> {
    for (const batch of batches(commands)) await this.runOne(batch);
  }

  private async runOne(batch: FastPathBatch): Promise<void> {
    if (this.missingTools.has(batch.tool)) {
      if (batch.mayFail) return;
      throw new KernelError('ENOENT', `${batch.tool} is not installed`);
    }
    try {
      await (batch.input === null ? this.runner(batch.tool, batch.args) : this.runner(batch.tool, batch.args, batch.input));
    } catch (e: unknown) {
      if (e instanceof KernelError && e.code === 'ENOENT') this.missingTools.add(batch.tool);
      if (!batch.mayFail) throw e;
    }
  }

  /** The first interface that needed a missing tool hears of it (the daemon warns); the others do not. */
  private reportMissing(ifname: string, error: unknown): void {
    if (this.missingReported) return;
    this.missingReported = true;
    const tools = [...this.missingTools].join(' and ');
    const cause = error instanceof Error ? { cause: error } : undefined;
    this.events.failed(ifname, new KernelError('ENOENT', `${tools} not found; no carp interface gets the path until carpd restarts`, cause));
  }
}
