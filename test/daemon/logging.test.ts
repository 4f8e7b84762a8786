/**
 * net.inet.carp.log set with carpctl decides what carpd logs of a failover (docs/carpd.8.md
 * LOGGING), in-process with the daemon's log captured.
 */
import assert from 'node:assert/strict';
import type { DaemonLab } from './lab';
import { pairLab } from './scenarios';

/** What host 2 logs while it takes over from a crashed host 1, with net.inet.carp.log at `level`. */
async function takeoverLog(lab: DaemonLab, level: number): Promise<{ level: number; msg: string; ifname?: unknown; vhid?: unknown }[]> {
  await lab.ok(2, 'sysctl', `net.inet.carp.log=${level}`);
  const before = lab.log(2).length;
  await lab.crash(1);
  await lab.until(() => lab.state(2) === 'MASTER', 5000);
  return lab.log(2).slice(before).filter((r) => /^carp0: /.test(r.msg));
}

describe('carpd in-process: net.inet.carp.log', () => {
  let lab: DaemonLab;

  afterEach(async () => {
    await lab.close();
  });

  it('logs no protocol event of a failover at 0', async () => {
    lab = await pairLab(true);
    assert.deepEqual(await takeoverLog(lab, 0), []);
  });

  it('logs the transition, bound to its virtual host, at the default 2', async () => {
    lab = await pairLab(true);
    assert.deepEqual(
      (await takeoverLog(lab, 2)).map((r) => [r.level, r.msg, r.ifname, r.vhid]),
      [[30, 'carp0: state transition (vhid 1): BACKUP -> MASTER (master down timer expired)', 'carp0', 1]],
    );
  });

  it('adds the link state and the vhids this host is MASTER of at 7, at debug level', async () => {
    lab = await pairLab(true);
    assert.deepEqual(
      (await takeoverLog(lab, 7)).map((r) => [r.level, r.msg]),
      [
        [30, 'carp0: state transition (vhid 1): BACKUP -> MASTER (master down timer expired)'],
        [20, 'carp0: link up, MASTER of vhid 1'],
      ],
    );
  });
});
