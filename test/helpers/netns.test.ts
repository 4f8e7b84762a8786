import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { NetnsLab, netnsUnavailableReason } from './netns';

describe('test/helpers/netns', function () {
  before(function () {
    const reason = netnsUnavailableReason();
    if (reason) this.skip();
  });

  it('builds a bridged LAN that passes traffic, and removes every namespace afterwards', async () => {
    const lab = await NetnsLab.create('lab');
    try {
      await lab.addNamespace('lan');
      await lab.addNamespace('a');
      await lab.addNamespace('b');
      await lab.addBridge('lan');
      await lab.plug('a', 'eth0', 'lan');
      await lab.plug('b', 'eth0', 'lan');
      await lab.exec('a', 'ip', ['addr', 'add', '10.9.0.1/24', 'dev', 'eth0']);
      await lab.exec('b', 'ip', ['addr', 'add', '10.9.0.2/24', 'dev', 'eth0']);
      const { stdout } = await lab.exec('a', 'ping', ['-c1', '-W2', '10.9.0.2']);
      assert.match(stdout, /1 received/);
    } finally {
      await lab.cleanup();
    }
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    assert.ok(!left.includes(lab.id), `namespaces left behind: ${left}`);
  });
});
