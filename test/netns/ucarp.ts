/**
 * ucarp 1.5 (the userland CARP daemon) in a lab namespace, as the peer of carpd in interop tests.
 * It runs in the foreground and its state is read from what it logs on stderr
 * ("Switching to state: MASTER"). Its up/down scripts add and remove the VIP on the NIC, as a
 * ucarp deployment does, so a client reaches whichever node is MASTER. The process is a child of
 * the lab, so the lab's cleanup kills it also when a test fails.
 */
import type { ChildProcess } from 'node:child_process';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CarpLab } from './carp-lab';

export const UCARP = '/usr/sbin/ucarp';

export interface UcarpSettings {
  readonly vhid: number;
  readonly pass: string;
  readonly advskew: number;
  /** --srcip: the NIC's real address, the source of its advertisements. */
  readonly srcip: string;
  /** --addr: its single virtual address (the only address its HMAC covers). */
  readonly vip: string;
  readonly ifname?: string;
  /** --preempt: take over from a worse MASTER (off by default in ucarp, as here). */
  readonly preempt?: boolean;
}

export type UcarpState = 'INIT' | 'BACKUP' | 'MASTER';

export interface UcarpLogLine {
  /** Wall-clock ms when the line reached us. */
  readonly at: number;
  readonly text: string;
}

/**
 * ucarp reads through libpcap opened with a 1000 ms timeout and without immediate mode; on Linux
 * (TPACKET_V3) a received frame therefore reaches it only when its ring block is handed over,
 * up to this long after it arrived. Everything ucarp does in reaction to a frame lags by as much.
 */
export const UCARP_RECEIVE_DELAY_MS = 1000;

/** What ucarp logs when it drops an advertisement (carp.c, packethandler). */
export const UCARP_COMPLAINTS = /Bad (digest|TTL|version|IP checksum)/;

const STATE_LINE = /Switching to state: (INIT|BACKUP|MASTER)/;

export class Ucarp {
  private readonly lines: UcarpLogLine[] = [];
  private exit: string | null = null;

  private constructor(
    private readonly lab: CarpLab,
    private readonly child: ChildProcess,
  ) {
    let pending = '';
    const collect = (chunk: Buffer): void => {
      pending += chunk.toString();
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const text of complete.filter(Boolean)) this.lines.push({ at: Date.now(), text });
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', (code, signal) => (this.exit = `exited with ${signal ?? code}`));
  }

  /** Starts ucarp on `host` and resolves once it has entered BACKUP (where every ucarp starts). */
  static async start(lab: CarpLab, host: string, settings: UcarpSettings): Promise<Ucarp> {
    const ifname = settings.ifname ?? 'eth0';
    const [up, down] = await writeScripts(lab.dir, host);
    const args = [
      `--interface=${ifname}`,
      `--srcip=${settings.srcip}`,
      `--vhid=${settings.vhid}`,
      `--pass=${settings.pass}`,
      `--addr=${settings.vip}`,
      `--advskew=${settings.advskew}`,
      `--upscript=${up}`,
      `--downscript=${down}`,
      // The down-script also runs when ucarp is stopped while MASTER, so a stopped ucarp does
      // not leave the VIP on its NIC (it still sends no bow-out: it just stops advertising).
      '--shutdown',
      ...(settings.preempt === true ? ['--preempt'] : []),
    ];
    const ucarp = new Ucarp(lab, lab.net.spawn(host, UCARP, args));
    try {
      await ucarp.waitState('BACKUP', 5000);
    } catch (e: unknown) {
      await ucarp.stop();
      throw e;
    }
    return ucarp;
  }

  /** The state of its last "Switching to state" line. */
  get state(): UcarpState {
    const last = this.logged(STATE_LINE).at(-1);
    return (last ? STATE_LINE.exec(last.text)?.[1] : 'INIT') as UcarpState;
  }

  get running(): boolean {
    return this.exit === null;
  }

  /** The ucarp process itself (`ip netns exec` replaces itself with it). */
  get pid(): number {
    if (this.child.pid === undefined) throw new Error('ucarp did not start');
    return this.child.pid;
  }

  /** The lines matching `pattern`, in order. */
  logged(pattern: RegExp): readonly UcarpLogLine[] {
    return this.lines.filter((line) => pattern.test(line.text));
  }

  /** Everything it logged, for a failing test's message. */
  get log(): string {
    return [...this.lines.map((line) => line.text), ...(this.exit === null ? [] : [`(ucarp ${this.exit})`])].join('\n');
  }

  async waitState(state: UcarpState, timeoutMs: number): Promise<number> {
    return this.lab.waitFor(`ucarp ${state}`, () => {
      if (this.exit !== null) return Promise.reject(new Error(`ucarp ${this.exit} before ${state}:\n${this.log}`));
      return Promise.resolve(this.state === state);
    }, timeoutMs);
  }

  /** SIGTERM, as `systemctl stop` would, or SIGKILL; resolves when the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.exit !== null) return;
    const gone = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill(signal);
    await gone;
  }
}

/** Scripts that put the VIP on the NIC as MASTER and take it off as BACKUP; args: <if> <vip>. */
async function writeScripts(dir: string, host: string): Promise<[string, string]> {
  const up = join(dir, `${host}-ucarp-up.sh`);
  const down = join(dir, `${host}-ucarp-down.sh`);
  await replaceScript(up, '#!/bin/sh\nexec ip addr replace "$2/32" dev "$1"\n');
  // At start-up (BACKUP without --neutral) there is nothing to remove.
  await replaceScript(down, '#!/bin/sh\nip addr del "$2/32" dev "$1" 2>/dev/null || true\n');
  return [up, down];
}

/**
 * Written beside and renamed over the old one: a ucarp started before may be running the script
 * right now, and opening a file being executed for writing fails (ETXTBSY).
 */
async function replaceScript(path: string, text: string): Promise<void> {
  const next = `${path}.new`;
  await writeFile(next, text, { mode: 0o700 });
  await rename(next, path);
}
