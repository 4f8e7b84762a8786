import assert from 'node:assert/strict';
import { DEFAULT_CONFIG_DIR } from '../../src/config/config-files';
import { DEFAULT_RUNTIME_DIR, DEFAULT_STATE_DIR, UsageError, parseCommandLine } from '../../src/daemon/options';
import { DEFAULT_READY_TIMEOUT_MS } from '../../src/daemon/service-report';

/** What every parse gives for the options a test leaves out. */
const DEFAULTS = { stateDir: DEFAULT_STATE_DIR, hooksDir: `${DEFAULT_CONFIG_DIR}/hooks.d`, metrics: null, readyTimeoutMs: DEFAULT_READY_TIMEOUT_MS };

describe('daemon/options', () => {
  it('defaults to /etc/carp, /run/carpd, the shared socket default and level info', () => {
    assert.deepEqual(parseCommandLine([]), {
      kind: 'run',
      options: { configDir: DEFAULT_CONFIG_DIR, runtimeDir: DEFAULT_RUNTIME_DIR, socket: null, logLevel: 'info', ...DEFAULTS },
    });
  });

  it('takes --config, --socket, --runtime-dir and --log-level', () => {
    const parsed = parseCommandLine(['--config', '/tmp/c', '--socket=/tmp/s.sock', '--runtime-dir', '/tmp/r', '--log-level', 'debug']);
    assert.deepEqual(parsed, {
      kind: 'run',
      options: { configDir: '/tmp/c', runtimeDir: '/tmp/r', socket: '/tmp/s.sock', logLevel: 'debug', ...DEFAULTS, hooksDir: '/tmp/c/hooks.d' },
    });
    assert.throws(() => parseCommandLine(['--runtime-dir', '']), /--runtime-dir needs a path/);
  });

  it('takes --state-dir, by default /var/lib/carpd (kept across reboots, unlike /run)', () => {
    assert.equal(DEFAULT_STATE_DIR, '/var/lib/carpd');
    const parsed = parseCommandLine(['--state-dir', '/srv/carpd']);
    assert.ok(parsed.kind === 'run');
    assert.equal(parsed.options.stateDir, '/srv/carpd');
    assert.throws(() => parseCommandLine(['--state-dir', '']), /--state-dir needs a path/);
  });

  it('refuses unknown options, stray words and bad levels, naming the valid levels', () => {
    assert.throws(() => parseCommandLine(['--daemonize']), UsageError);
    assert.throws(() => parseCommandLine(['carp0']), UsageError);
    assert.throws(() => parseCommandLine(['--log-level', 'loud']), /valid levels are fatal, error, warn, info, debug, trace, silent/);
    assert.throws(() => parseCommandLine(['--config', '']), /--config needs a path/);
  });

  it('takes --hooks-dir (default: hooks.d of the configuration directory), --metrics and --ready-timeout', () => {
    const parsed = parseCommandLine(['--hooks-dir', '/srv/hooks', '--metrics', '[::1]:9580', '--ready-timeout', '2.5']);
    assert.ok(parsed.kind === 'run');
    assert.equal(parsed.options.hooksDir, '/srv/hooks');
    assert.deepEqual(parsed.options.metrics, { host: '::1', port: 9580 });
    assert.equal(parsed.options.readyTimeoutMs, 2500);
    const v4 = parseCommandLine(['--metrics', '127.0.0.1:9580']);
    assert.ok(v4.kind === 'run');
    assert.deepEqual(v4.options.metrics, { host: '127.0.0.1', port: 9580 });
    assert.throws(() => parseCommandLine(['--metrics', 'localhost:9580']), /--metrics localhost:9580: expected ADDRESS:PORT with an IP address/);
    assert.throws(() => parseCommandLine(['--metrics', '::1:9580']), /expected ADDRESS:PORT/);
    assert.throws(() => parseCommandLine(['--metrics', '127.0.0.1:70000']), /the port must be 0-65535/);
    assert.throws(() => parseCommandLine(['--metrics', '127.0.0.1']), /expected ADDRESS:PORT/);
    assert.throws(() => parseCommandLine(['--ready-timeout', 'soon']), /--ready-timeout soon: expected seconds from 0 to 3600/);
    assert.throws(() => parseCommandLine(['--ready-timeout', '-1']), UsageError);
    assert.throws(() => parseCommandLine(['--hooks-dir', '']), /--hooks-dir needs a path/);
  });

  it('answers --help', () => {
    assert.deepEqual(parseCommandLine(['-h']), { kind: 'help' });
  });
});
