/**
 * Installs and removes the in-kernel data path of carp interfaces (fast-path-commands.ts) as the
 * relay asks, one change at a time, with iproute2 `tc` and `nft` (execFile, never a shell). The
 * relay keeps carrying an interface's frames until `active` says the kernel does; it takes them
 * back before it asks for a removal, so a change may duplicate a few frames but loses none.
 *
 * The first time an interface or a carpdev is seen, what a crashed carpd may have left on it is
 * removed: carpN's clsact qdisc and nftables chain, our preferences on the carpdev.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KernelError } from './errors';
import {
  type FastPathCommand,
  type FastPathSpec,
  type FastPathTool,
  installCommands,
  ourPreferences,
  removeCommands,
  removeEgress,
  removePreference,
  removeStaleTable,
  sameFastPath,
} from './fast-path-commands';

/** Runs `tool` with the arguments and returns its stdout; rejects with a KernelError quoting stderr. */
export type FastPathRunner = (tool: FastPathTool, args: readonly string[]) => Promise<string>;

const execFileAsync = promisify(execFile);
const TOOL_TIMEOUT_MS = 10_000;

export const runFastPathTool: FastPathRunner = async (tool, args) => {
  try {
    const { stdout } = await execFileAsync(tool, [...args], { timeout: TOOL_TIMEOUT_MS });
    return stdout;
  } catch (e: unknown) {
    const failure = e as Error & { stderr?: string; code?: unknown };
    const code = typeof failure.code === 'string' ? failure.code : 'EIPROUTE2';
    const detail = failure.stderr?.trim() || failure.message;
    throw new KernelError(code, `${tool} ${args.join(' ')}: ${detail}`, { cause: e });
  }
};

export interface FastPathEvents {
  /** The kernel now carries carpN's unicast IP frames as `spec` says. */
  active(ifname: string, spec: FastPathSpec): void;
  /** Installing failed (and what was installed of it was removed): the relay keeps carrying the frames. */
  failed(ifname: string, error: Error): void;
}

export class FastPath {
  private readonly wanted = new Map<string, FastPathSpec | null>();
  private readonly installed = new Map<string, FastPathSpec>();
  private readonly checkedCarpdevs = new Set<string>();
  private queue: Promise<void>;

  constructor(
    private readonly runner: FastPathRunner,
    private readonly events: FastPathEvents,
  ) {
    this.queue = this.runAll([removeStaleTable()]).catch(() => undefined);
  }

  /** What carpN should have: a fast path, or none. The first call for an interface also clears what a crash left on it. */
  want(ifname: string, spec: FastPathSpec | null): void {
    const known = this.wanted.has(ifname);
    if (known && sameFastPath(this.wanted.get(ifname) ?? null, spec)) return;
    this.wanted.set(ifname, spec);
    this.enqueue(async () => {
      if (!known) await this.runAll(removeEgress(ifname));
      await this.reconcile(ifname);
    });
  }

  /** A carpdev carpd uses: the first call removes the redirects a crashed carpd left on it. */
  useCarpdev(carpdev: string): void {
    if (this.checkedCarpdevs.has(carpdev)) return;
    this.enqueue(() => this.clearStaleRedirects(carpdev));
  }

  /** carpN is gone or no longer ours: removes its fast path and forgets it. */
  forget(ifname: string): void {
    this.want(ifname, null);
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

  /** Resolves when every change asked for so far is done. */
  settled(): Promise<void> {
    return this.queue;
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch(() => undefined);
  }

  private async reconcile(ifname: string): Promise<void> {
    const want = this.wanted.get(ifname) ?? null;
    const have = this.installed.get(ifname) ?? null;
    if (sameFastPath(want, have)) return;
    if (have !== null) {
      this.installed.delete(ifname);
      await this.runAll(removeCommands(have));
    }
    if (want === null) return;
    try {
      await this.clearStaleRedirects(want.carpdev);
      await this.runAll(installCommands(want));
    } catch (e: unknown) {
      await this.runAll(removeCommands(want));
      this.events.failed(ifname, e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.installed.set(ifname, want);
    // Asked for something else meanwhile: the next queued step changes it, the relay keeps the frames.
    if (sameFastPath(this.wanted.get(ifname) ?? null, want)) this.events.active(ifname, want);
  }

  private async clearStaleRedirects(carpdev: string): Promise<void> {
    if (this.checkedCarpdevs.has(carpdev)) return;
    this.checkedCarpdevs.add(carpdev);
    let listing: string;
    try {
      listing = await this.runner('tc', ['-json', 'filter', 'show', 'dev', carpdev, 'ingress']);
    } catch {
      return;
    }
    await this.runAll(ourPreferences(listing).map((pref) => removePreference(carpdev, pref)));
  }

  /** Runs the commands in order; a failing one that may not fail rejects, and the rest are not run. */
  private async runAll(commands: readonly FastPathCommand[]): Promise<void> {
    for (const command of commands) {
      try {
        await this.runner(command.tool, command.args);
      } catch (e: unknown) {
        if (!command.mayFail) throw e;
      }
    }
  }
}
