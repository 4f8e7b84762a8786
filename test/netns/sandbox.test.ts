/**
 * carpd in an approximation of systemd/carpd.service's sandbox, where no systemd runs as PID 1:
 * a mount namespace where every file system is read-only but the lab's directory (ProtectSystem=
 * strict with ReadWritePaths=), /home and /root hidden (ProtectHome=), no new privileges and only
 * the unit's capabilities (setpriv), under strace. It must do its whole job there; then every system
 * call it (and the ip(8) it runs) made must be one the unit's SystemCallFilter= allows, and every
 * socket of a family RestrictAddressFamilies= allows. What this cannot show (the seccomp filter
 * and the address-family filter themselves, PrivateTmp, ProtectProc, the device policy) is left to
 * `systemd-analyze verify` and `security` (test/systemd/unit.test.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatagramListener, socatUnavailableReason } from '../helpers/datagram-listener';
import { netnsUnavailableReason } from '../helpers/netns';
import { waitFor } from '../helpers/poll';
import { allowedSyscalls } from '../systemd/syscall-filter';
import { boundingCapabilities, unitValues } from '../systemd/unit-file';
import { CarpLab, VIP4 } from './carp-lab';

/** The mounts of the unit's sandbox, as far as a shell can make them; then carpd under strace. */
function sandbox(writable: string, trace: string): string[] {
  const script = [
    // ProtectSystem=strict: every mount read-only, the API file systems excepted.
    `for m in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do case "$m" in /proc*|/sys*|/dev*) ;; *) mount -o remount,bind,ro "$m" ;; esac; done`,
    // ReadWritePaths=: the lab's directory (configuration, socket, runtime and state directories, trace).
    `mount --bind '${writable}' '${writable}' && mount -o remount,bind,rw '${writable}'`,
    // ProtectHome=yes.
    `for h in /home /root; do [ -d "$h" ] && mount -t tmpfs -o ro,mode=000 tmpfs "$h"; done`,
    `exec setpriv --no-new-privs --bounding-set -all,${boundingCapabilities().map((c) => `+${c}`).join(',')} --inh-caps -all -- strace -f -qq -o '${trace}' "$@"`,
  ].join('\n');
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-ec', script, 'sandbox'];
}

function toolMissing(): string | null {
  for (const tool of ['strace', 'systemd-analyze', 'unshare', 'setpriv']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return null;
}

function readIfThere(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The pid of strace's tracee: carpd itself, which must get the SIGTERM. */
function tracee(stracePid: number): number {
  const children = readFileSync(`/proc/${stracePid}/task/${stracePid}/children`, 'utf8').trim().split(/\s+/);
  return Number(children[0]);
}

describe('netns: carpd in an approximation of the unit`s sandbox, under strace', function () {
  let lab: CarpLab;
  let systemd: DatagramListener | null = null;

  before(async function () {
    if (netnsUnavailableReason() || socatUnavailableReason() || toolMissing()) return this.skip();
    lab = await CarpLab.create('sandbox', ['h1', 'h2']);
  });

  after(async () => {
    await systemd?.close();
    await lab?.cleanup();
  });

  it('does its whole job read-only but for its directories, and calls nothing the unit forbids', async () => {
    const trace = join(lab.dir, 'h1.strace');
    systemd = await DatagramListener.bind(join(lab.dir, 'notify.sock'));
    // With the in-kernel data path: tc and nft run in the sandbox too, and its removal is rtnetlink.
    const config = {
      'carp0.conf': `vhid 3 pass secret carpdev eth0 advskew 0\ninet ${VIP4}/24\n`,
      'sysctl.conf': 'net.inet.carp.fastpath=1\n',
    };
    const env = { ...process.env, NOTIFY_SOCKET: systemd.address, WATCHDOG_USEC: '2000000' };
    // A hook runs in carpd's sandbox too: it can write to the writable directories only.
    const hooks = join(lab.dir, 'hooks.d');
    const probe = '/etc/carp-sandbox-probe';
    const hookOut = join(lab.dir, 'hook.out');
    await mkdir(hooks, { mode: 0o700 });
    await writeFile(join(hooks, '10-probe'), `#!/bin/sh\nif touch ${probe} 2>/dev/null; then w=writable; else w=read-only; fi\necho "$1 $2 /etc $w" >> '${hookOut}'\n`);
    await chmod(join(hooks, '10-probe'), 0o700);
    const args = ['--metrics', '127.0.0.1:9580', '--hooks-dir', hooks];
    await lab.startDaemon('h1', { config, env, wrapper: sandbox(lab.dir, trace), args });
    await lab.startDaemon('h2', { config: { 'carp0.conf': config['carp0.conf'].replace('advskew 0', 'advskew 100') } });
    await lab.waitState('h1', 'MASTER');
    await waitFor('READY=1', () => Promise.resolve(systemd?.lines.includes('READY=1') === true));
    assert.match((await lab.net.exec('cl', 'ping', ['-c', '2', '-W', '1', VIP4])).stdout, /2 received/);
    // The endpoint listens on h1's loopback: fetch from inside h1.
    const scrape = "fetch('http://127.0.0.1:9580/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))";
    assert.match((await lab.net.exec('h1', process.execPath, ['-e', scrape])).stdout, /carp_vhost_state\{ifname="carp0",vhid="3",state="MASTER"\} 1/);
    assert.match(lab.logOf('h1'), /ip -4 rule add/);
    await waitFor('the in-kernel data path', () => Promise.resolve(/the kernel carries unicast IP/.test(lab.logOf('h1'))));
    // The capture watch (capture-watch.ts) has read /proc/net/packet every second since the start.
    assert.doesNotMatch(lab.logOf('h1'), /cannot tell which interfaces are captured/);
    await waitFor('the hook of the takeover', () => Promise.resolve(readIfThere(hookOut).includes('3@carp0 MASTER')));
    assert.deepEqual(readIfThere(hookOut).split('\n').filter(Boolean), ['3@carp0 BACKUP /etc read-only', '3@carp0 MASTER /etc read-only']);
    // Maintenance mode writes its file in the state directory (StateDirectory=, writable there).
    assert.equal(await lab.ctl('h1', 'maintenance', 'on'), 'maintenance mode: on (demoted by 240)\n');
    await lab.waitState('h2', 'MASTER', 2000);
    assert.equal(await lab.ctl('h1', 'maintenance', 'off'), 'maintenance mode: off\n');
    // Back to MASTER (no preempt here), so that the stop below is a MASTER's bow-out again.
    await lab.ctl('h1', 'carp0', 'state', 'master');
    await lab.waitState('h2', 'BACKUP', 2000);
    const stracePid = lab.daemonPid('h1') as number;
    const carpd = tracee(stracePid);
    assert.match(readFileSync(`/proc/${carpd}/cmdline`, 'utf8'), /carpd\.js/);
    process.kill(carpd, 'SIGTERM');
    await lab.waitState('h2', 'MASTER', 2000);
    await waitFor('STOPPING=1', () => Promise.resolve(systemd?.lines.includes('STOPPING=1') === true), 5000);
    assert.equal(await lab.stopDaemon('h1'), 0);

    const lines = readFileSync(trace, 'utf8').split('\n');
    const called = new Set(lines.flatMap((l) => /^\d+\s+([a-z0-9_]+)\(/.exec(l)?.[1] ?? []));
    assert.ok(called.has('socket') && called.has('ioctl') && called.has('sendto'), 'the trace holds carpd`s calls');
    for (const tool of ['tc', 'nft']) assert.ok(lines.some((l) => new RegExp(`execve\\("[^"]*/${tool}"`).test(l)), `the trace holds ${tool}`);
    const allowed = allowedSyscalls();
    assert.deepEqual([...called].filter((c) => !allowed.has(c)).sort(), [], 'system calls outside SystemCallFilter=');
    const families = new Set(lines.flatMap((l) => /\bsocket\((AF_[A-Z0-9]+)/.exec(l)?.[1] ?? []));
    const restricted = (unitValues('RestrictAddressFamilies')[0] ?? '').split(/\s+/);
    assert.deepEqual([...families].filter((f) => !restricted.includes(f)), [], 'socket families outside RestrictAddressFamilies=');
    assert.ok(families.has('AF_PACKET') && families.has('AF_NETLINK'));
    // The hook's probe is the one write that must fail; strace may split it over two lines.
    const pid = (l: string): string => l.split(/\s/)[0] ?? '';
    const probing = new Set(lines.filter((l) => l.includes(probe)).map(pid));
    const roWrites = lines.filter((l) => /= -1 EROFS/.test(l) && !probing.has(pid(l)));
    assert.deepEqual(roWrites, [], 'carpd wrote nothing outside its directories');
  });
});
