/**
 * keepalived (VRRP) in a lab namespace, as a neighbour of a CARP pair on the same segment: one
 * VRRPv2 and one VRRPv3 instance, both on 224.0.0.18 with IP protocol 112 like CARP. It runs in
 * the foreground, logging to the console; the state of each instance is read from its
 * "(NAME) Entering MASTER STATE" lines. An instance whose VIP is IPv6 is an IPv6 instance (VRRPv3
 * only, on ff02::12 from the link-local address). The lab's cleanup kills it also when a test fails.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CarpLab } from './carp-lab';

export const KEEPALIVED = '/usr/sbin/keepalived';

export interface VrrpInstance {
  readonly name: string;
  readonly version: 2 | 3;
  readonly vrid: number;
  readonly priority: number;
  readonly vip: string;
  /** advert_int in seconds (default 1); VRRPv3 takes centiseconds, so 0.1 is possible there. */
  readonly advertInt?: number;
  /** Advertise to this address only (unicast_peer) instead of the group. */
  readonly unicastPeer?: string;
}

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

const STATE_LINE = /\((\S+)\) Entering (BACKUP|MASTER|FAULT) STATE/;

function configuration(instances: readonly VrrpInstance[]): string {
  const blocks = instances.map(
    (i) => `vrrp_instance ${i.name} {
  state BACKUP
  interface eth0
  version ${i.version}
  virtual_router_id ${i.vrid}
  priority ${i.priority}
  advert_int ${i.advertInt ?? 1}
  virtual_ipaddress {
    ${i.vip}/${i.vip.includes(':') ? 64 : 24}
  }${i.unicastPeer === undefined ? '' : `\n  unicast_peer {\n    ${i.unicastPeer}\n  }`}
}`,
  );
  // Scripts are not used; the security setting only silences the warning that they could be.
  return ['global_defs {\n  enable_script_security\n  script_user root\n}', ...blocks].join('\n');
}

export class Keepalived {
  private readonly lines: string[] = [];
  private exit: string | null = null;

  private constructor(private readonly child: ChildProcess) {
    let pending = '';
    const collect = (chunk: Buffer): void => {
      pending += chunk.toString();
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      this.lines.push(...complete.filter(Boolean));
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', (code, signal) => (this.exit = `exited with ${signal ?? code}`));
  }

  /** VRRP only (-P), in the foreground, its own pid files so that several run side by side. */
  static async start(lab: CarpLab, host: string, instances: readonly VrrpInstance[]): Promise<Keepalived> {
    const config = join(lab.dir, `${host}-keepalived.conf`);
    await writeFile(config, configuration(instances), { mode: 0o600 });
    const pid = (name: string): string => `--${name}=${join(lab.dir, `${host}-${name}.pid`)}`;
    const args = ['-P', '-n', '-l', '-D', '-f', config, pid('pid'), pid('vrrp_pid'), pid('checkers_pid')];
    return new Keepalived(lab.net.spawn(host, KEEPALIVED, args));
  }

  /** The state each instance last entered (INIT before the first). */
  state(name: string): VrrpState {
    const entered = this.lines.map((line) => STATE_LINE.exec(line)).filter((m) => m?.[1] === name);
    return (entered.at(-1)?.[2] ?? 'INIT') as VrrpState;
  }

  /** How many state changes it has logged so far, over all instances. */
  get transitions(): number {
    return this.lines.filter((line) => STATE_LINE.test(line)).length;
  }

  get running(): boolean {
    return this.exit === null;
  }

  /** SIGTERM (keepalived then sends priority 0, RFC 3768 6.4.3) or SIGKILL; resolves when it is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.exit !== null) return;
    const gone = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill(signal);
    await gone;
  }

  /** Everything it logged, for a failing test's message. */
  get log(): string {
    return [...this.lines, ...(this.exit === null ? [] : [`(keepalived ${this.exit})`])].join('\n');
  }
}
