import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseCommandLine } from '../../src/daemon/options';
import { UNIT_PATH, boundingCapabilities, unitValues } from './unit-file';

describe('systemd/carpd.service', () => {
  it('passes systemd-analyze verify', function () {
    try {
      execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    } catch {
      return this.skip(); // systemd-analyze is not installed here
    }
    execFileSync('systemd-analyze', ['verify', UNIT_PATH], { stdio: 'pipe' });
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

  it('stops with SIGTERM, which makes every MASTER bow out', () => {
    assert.deepEqual(unitValues('KillSignal'), ['SIGTERM']);
  });
});
