import assert from 'node:assert/strict';
import { DEFAULT_CONFIG_DIR } from '../../src/config/config-files';
import { DEFAULT_RUNTIME_DIR, UsageError, parseCommandLine } from '../../src/daemon/options';

describe('daemon/options', () => {
  it('defaults to /etc/carp, /run/carpd, the shared socket default and level info', () => {
    assert.deepEqual(parseCommandLine([]), {
      kind: 'run',
      options: { configDir: DEFAULT_CONFIG_DIR, runtimeDir: DEFAULT_RUNTIME_DIR, socket: null, logLevel: 'info' },
    });
  });

  it('takes --config, --socket, --runtime-dir and --log-level', () => {
    const parsed = parseCommandLine(['--config', '/tmp/c', '--socket=/tmp/s.sock', '--runtime-dir', '/tmp/r', '--log-level', 'debug']);
    assert.deepEqual(parsed, { kind: 'run', options: { configDir: '/tmp/c', runtimeDir: '/tmp/r', socket: '/tmp/s.sock', logLevel: 'debug' } });
    assert.throws(() => parseCommandLine(['--runtime-dir', '']), /--runtime-dir needs a path/);
  });

  it('refuses unknown options, stray words and bad levels, naming the valid levels', () => {
    assert.throws(() => parseCommandLine(['--daemonize']), UsageError);
    assert.throws(() => parseCommandLine(['carp0']), UsageError);
    assert.throws(() => parseCommandLine(['--log-level', 'loud']), /valid levels are fatal, error, warn, info, debug, trace, silent/);
    assert.throws(() => parseCommandLine(['--config', '']), /--config needs a path/);
  });

  it('answers --help', () => {
    assert.deepEqual(parseCommandLine(['-h']), { kind: 'help' });
  });
});
