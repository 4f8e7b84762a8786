import assert from 'node:assert/strict';
import { CAPTURE_CHECK_INTERVAL_MS } from '../../src/daemon/capture-watch';
import { PROCESS_DELAY_MS } from '../../src/kernel/fast-path';
import { filterPreference } from '../../src/kernel/fast-path-commands';
import { parseMac } from '../../src/wire/address';
import { DaemonLab } from './lab';
import { configurePair } from './scenarios';

/** Our IPv4 redirect of 00:00:5e:00:01:01 on eth0, as the commands name it. */
const REDIRECT = `ingress pref ${filterPreference(parseMac('00:00:5e:00:01:01'), 0)}`;

describe('carpd in-process: a packet capture on a MASTER carp interface with the in-kernel data path', () => {
  let lab: DaemonLab;
  /** What carpd ran of tc and nft, a line per command (batches split). */
  let commands: string[];
  /** The ifindexes packet captures listen on, as /proc/net/packet would say. */
  let listening: Set<number>;

  beforeEach(async () => {
    lab = await DaemonLab.create({ hosts: 1 });
    commands = [];
    listening = new Set();
    // No sysctl.conf: the path is the default, which the relay learns from the core at the start.
    await lab.start(1, {
      fastPath: {
        runner: (tool, args, input) => {
          const lines = input === undefined ? [args.join(' ')] : input.trim().split('\n');
          commands.push(...lines.map((line) => `${tool} ${line}`));
          return Promise.resolve('');
        },
        captures: () => new Set(listening),
      },
    });
    await configurePair(lab, [1]);
    await lab.until(() => lab.state(1) === 'MASTER', 5000);
    await lab.advance(PROCESS_DELAY_MS + 100);
  });

  afterEach(async () => {
    await lab.close();
  });

  const added = (): boolean => commands.some((c) => c.startsWith('tc filter add dev eth0') && c.includes(REDIRECT));
  const removed = (): boolean => commands.some((c) => c === `tc filter del dev eth0 ${REDIRECT}`);
  const ifindex = (name: string): number => lab.world.host(1).kernel.link(name)?.info.index ?? assert.fail(`no ${name}`);

  it('gives the path up while the capture listens, says so, and installs it again when it ends', async () => {
    assert.ok(added(), commands.join('\n'));
    commands = [];
    listening.add(ifindex('carp0'));
    await lab.advance(CAPTURE_CHECK_INTERVAL_MS + 100);
    assert.ok(removed(), commands.join('\n'));
    assert.ok(lab.log(1).some((r) => r.msg.startsWith('carp0: a capture listens on carp0: the relay carries its traffic')));
    commands = [];
    await lab.advance(5 * CAPTURE_CHECK_INTERVAL_MS);
    assert.ok(!added(), 'nothing installed while the capture lasts');
    listening.clear();
    await lab.advance(CAPTURE_CHECK_INTERVAL_MS + PROCESS_DELAY_MS + 100);
    assert.ok(added(), commands.join('\n'));
    assert.ok(lab.log(1).some((r) => r.msg === 'carp0: the capture on carp0 ended: the kernel may carry its traffic again'));
  });

  it('leaves the path alone for a capture on the carpdev', async () => {
    commands = [];
    listening.add(ifindex('eth0'));
    await lab.advance(3 * CAPTURE_CHECK_INTERVAL_MS);
    assert.ok(!removed(), commands.join('\n'));
    assert.ok(!lab.log(1).some((r) => r.msg.includes('a capture listens')), 'a capture of eth0 is not reported');
  });
});
