import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '../../src/daemon/options';
import { EXPOSURE_THRESHOLD, REALTIME_DROP_IN_PATH, UNIT_PATH, boundingCapabilities, unitEnvironment, unitValues } from './unit-file';

function analyzeAvailable(): boolean {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('systemd/carpd.service', () => {
  it('passes systemd-analyze verify', function () {
    if (!analyzeAvailable()) return this.skip(); // systemd-analyze is not installed here
    execFileSync('systemd-analyze', ['verify', UNIT_PATH], { stdio: 'pipe' });
  });

  it(`keeps the exposure of systemd-analyze security at ${EXPOSURE_THRESHOLD / 10} or less`, function () {
    if (!analyzeAvailable()) return this.skip();
    execFileSync('systemd-analyze', ['security', '--offline=true', `--threshold=${EXPOSURE_THRESHOLD}`, UNIT_PATH], { stdio: 'pipe' });
  });

  it('is a Type=notify service with a watchdog, whose notifications only carpd itself may send', () => {
    assert.deepEqual(unitValues('Type'), ['notify']);
    assert.deepEqual(unitValues('NotifyAccess'), ['main']);
    assert.deepEqual(unitValues('WatchdogSec'), ['10s']);
  });

  it('sandboxes carpd (test/netns/sandbox runs it so and checks its system calls against the filter)', () => {
    assert.deepEqual(unitValues('ProtectSystem'), ['strict']);
    assert.deepEqual(unitValues('ReadWritePaths'), ['/run']);
    assert.deepEqual(unitValues('ProtectHome'), ['yes']);
    assert.deepEqual(unitValues('PrivateTmp'), ['yes']);
    assert.deepEqual(unitValues('RestrictAddressFamilies'), ['AF_UNIX AF_NETLINK AF_PACKET AF_INET AF_INET6']);
    assert.deepEqual(unitValues('SystemCallFilter'), ['@system-service @pkey', '~@privileged']);
    assert.deepEqual(unitValues('SystemCallErrorNumber'), ['EPERM']);
  });

  it('starts carpd with options carpd accepts', () => {
    const [execStart] = unitValues('ExecStart');
    const words = (execStart ?? '').split(/\s+/);
    assert.deepEqual(words.slice(0, 2), ['/usr/bin/env', 'carpd']);
    assert.equal(parseCommandLine(words.slice(2)).kind, 'run');
  });

  it('grants exactly CAP_NET_ADMIN and CAP_NET_RAW (test/netns/capabilities shows both are needed and enough)', () => {
    assert.deepEqual(boundingCapabilities(), ['net_admin', 'net_raw']);
    assert.deepEqual(unitValues('NoNewPrivileges'), ['yes']);
  });

  it('restarts a crashed carpd at once and keeps its runtime directory for it', () => {
    assert.deepEqual(unitValues('Restart'), ['on-failure']);
    assert.deepEqual(unitValues('RestartSec'), ['200ms']);
    assert.deepEqual(unitValues('RuntimeDirectory'), ['carpd']);
    assert.deepEqual(unitValues('RuntimeDirectoryPreserve'), ['restart']);
    const words = (unitValues('ExecStart')[0] ?? '').split(/\s+/);
    const parsed = parseCommandLine(words.slice(2));
    assert.ok(parsed.kind === 'run' && parsed.options.runtimeDir === '/run/carpd');
  });

  it('gives carpd a state directory that survives reboots and is writable in the sandbox', () => {
    assert.deepEqual(unitValues('StateDirectory'), ['carpd']);
    assert.deepEqual(unitValues('StateDirectoryMode'), ['0700']);
    const words = (unitValues('ExecStart')[0] ?? '').split(/\s+/);
    const parsed = parseCommandLine(words.slice(2));
    assert.ok(parsed.kind === 'run' && parsed.options.stateDir === '/var/lib/carpd');
  });

  it('reloads with SIGHUP to carpd itself, which re-reads /etc/carp (test/daemon/reload, test/netns/reload)', () => {
    assert.deepEqual(unitValues('ExecReload'), ['/bin/kill -HUP $MAINPID']);
  });

  it('stops with SIGTERM, which makes every MASTER bow out', () => {
    assert.deepEqual(unitValues('KillSignal'), ['SIGTERM']);
  });

  it('limits the memory of V8 and malloc (docs/carpd.8.md MEMORY), with flags Node accepts in NODE_OPTIONS', () => {
    const environment = unitEnvironment();
    assert.deepEqual(environment, {
      NODE_OPTIONS: '--max-semi-space-size=1 --max-old-space-size=256 --v8-pool-size=1',
      MALLOC_ARENA_MAX: '1',
    });
    // Node refuses to start on a flag NODE_OPTIONS may not carry (--optimize-for-size, say).
    const limit = Number(
      execFileSync(process.execPath, ['-p', 'require("v8").getHeapStatistics().heap_size_limit'], { env: { ...process.env, ...environment }, encoding: 'utf8' }),
    );
    // The old generation's 256 MiB and a young generation of a few MiB (without the flags: GiBs).
    assert.ok(limit > 256 * 2 ** 20 && limit < 264 * 2 ** 20, `heap_size_limit ${limit}`);
  });
});

describe('systemd/realtime.conf', () => {
  /** The unit with the drop-in installed beside it, as /etc/systemd/system/carpd.service.d/ holds it. */
  function withDropIn(check: (unit: string) => void): void {
    const dir = mkdtempSync(join(tmpdir(), 'carpd-unit-'));
    try {
      mkdirSync(join(dir, 'carpd.service.d'));
      copyFileSync(UNIT_PATH, join(dir, 'carpd.service'));
      copyFileSync(REALTIME_DROP_IN_PATH, join(dir, 'carpd.service.d', 'realtime.conf'));
      check(join(dir, 'carpd.service'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('gives carpd`s main thread SCHED_RR below the interrupt threads, and nothing it starts (bench/soak-run measures it so)', () => {
    const keys = readFileSync(REALTIME_DROP_IN_PATH, 'utf8')
      .split('\n')
      .filter((line) => /^[A-Za-z]+=/.test(line))
      .map((line) => line.slice(0, line.indexOf('=')));
    assert.deepEqual(keys, ['CPUSchedulingPolicy', 'CPUSchedulingPriority', 'CPUSchedulingResetOnFork']);
    assert.deepEqual(unitValues('CPUSchedulingPolicy', REALTIME_DROP_IN_PATH), ['rr']);
    const [priority] = unitValues('CPUSchedulingPriority', REALTIME_DROP_IN_PATH).map(Number);
    assert.ok(priority !== undefined && Number.isInteger(priority) && priority >= 1 && priority < 50, `priority ${priority}`);
    assert.deepEqual(unitValues('CPUSchedulingResetOnFork', REALTIME_DROP_IN_PATH), ['yes']);
  });

  it('is taken by systemd-analyze verify, which reads drop-ins beside the unit', function () {
    if (!analyzeAvailable()) return this.skip();
    withDropIn((unit) => {
      const verify = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
      assert.equal(verify.status, 0, verify.stderr);
      // verify ignores a line it cannot parse with a warning and exits 0.
      assert.doesNotMatch(verify.stderr, /realtime\.conf/);
    });
  });

  it(`keeps RestrictRealtime=yes and the exposure at ${EXPOSURE_THRESHOLD / 10} or less`, function () {
    assert.deepEqual(unitValues('RestrictRealtime'), ['yes']);
    if (!analyzeAvailable()) return this.skip();
    withDropIn((unit) => {
      execFileSync('systemd-analyze', ['security', '--offline=true', `--threshold=${EXPOSURE_THRESHOLD}`, unit], { stdio: 'pipe' });
    });
  });
});
