import assert from 'node:assert/strict';
import { KernelWork, type KernelWorkTasks } from '../../src/daemon/kernel-work';
import { createLogger } from '../../src/daemon/logger';
import { parsePrefix } from '../../src/wire/address';

/** Records each call; `rounds` holds the interfaces of each reconcileRouting call. */
function recordingTasks(failRouting: (ifname: string) => boolean = () => false): {
  tasks: KernelWorkTasks;
  calls: string[];
  rounds: string[][];
} {
  const calls: string[] = [];
  const rounds: string[][] = [];
  const tasks: KernelWorkTasks = {
    configureCarpdev: (carpdev) => {
      calls.push(`carpdev ${carpdev}`);
      return Promise.resolve([]);
    },
    reconcileRouting: (wanted) => {
      rounds.push([...wanted.keys()]);
      const outcomes = new Map(
        [...wanted].map(([ifname, vips]) => {
          calls.push(`route ${ifname} [${vips.map((v) => `${v.prefixLength}`).join(',')}]`);
          const error = failRouting(ifname) ? new Error('ip: RTNETLINK answers: Operation not permitted') : null;
          return [ifname, { changes: [], error }] as const;
        }),
      );
      return Promise.resolve(outcomes);
    },
  };
  return { tasks, calls, rounds };
}

const vip = parsePrefix('192.0.2.10/24');
const eth0 = { name: 'eth0', index: 2 };

describe('daemon/kernel-work', () => {
  it('configures a carpdev once per device, and again when it is a new device of the same name', async () => {
    const { tasks, calls } = recordingTasks();
    const work = new KernelWork(tasks, createLogger('silent'));
    work.interfaceChanged('carp0', eth0, [vip]);
    work.interfaceChanged('carp1', eth0, []);
    await work.idle();
    work.interfaceChanged('carp0', { name: 'eth0', index: 7 }, [vip]);
    await work.idle();
    assert.deepEqual(calls.filter((c) => c.startsWith('carpdev')), ['carpdev eth0', 'carpdev eth0']);
  });

  it('reconciles routing only when the VIP list changes, and again after carpN was down', async () => {
    const { tasks, calls } = recordingTasks();
    const work = new KernelWork(tasks, createLogger('silent'));
    work.interfaceChanged('carp0', null, [vip]);
    work.interfaceChanged('carp0', null, [vip]);
    await work.idle();
    work.interfaceChanged('carp0', null, null);
    work.interfaceChanged('carp0', null, [vip]);
    await work.interfaceRemoved('carp0');
    assert.deepEqual(calls, ['route carp0 [24]', 'route carp0 []']);
  });

  it('reconciles the interfaces asked in one tick in one round, and those asked during a round in the next', async () => {
    const { tasks, rounds } = recordingTasks();
    const work = new KernelWork(tasks, createLogger('silent'));
    work.interfaceChanged('carp0', null, [vip]);
    work.interfaceChanged('carp1', null, [vip]);
    await Promise.resolve(); // the first round has started
    for (const n of [2, 3, 4]) work.interfaceChanged(`carp${n}`, null, [vip]);
    work.interfaceChanged('carp0', null, []);
    await work.idle();
    assert.deepEqual(rounds, [
      ['carp0', 'carp1'],
      ['carp2', 'carp3', 'carp4', 'carp0'],
    ]);
  });

  it('holds the routing asked while a boot or reload applies its files, and reconciles all of it in one round at its end', async () => {
    const { tasks, rounds, calls } = recordingTasks();
    const work = new KernelWork(tasks, createLogger('silent'));
    const result = await work.whileApplying(async () => {
      for (const n of [0, 1, 2]) {
        work.interfaceChanged(`carp${n}`, eth0, [vip]);
        await work.idle();
      }
      assert.deepEqual(rounds, [], 'no routing round while applying');
      assert.deepEqual(calls, ['carpdev eth0'], 'carpdev settings are not held');
      return 'applied';
    });
    assert.equal(result, 'applied');
    await work.idle();
    assert.deepEqual(rounds, [['carp0', 'carp1', 'carp2']]);
  });

  it("logs a failure and tries that interface again with its next change, not the others'", async () => {
    const { tasks, calls } = recordingTasks((ifname) => ifname === 'carp0');
    const work = new KernelWork(tasks, createLogger('silent'));
    work.interfaceChanged('carp0', null, [vip]);
    work.interfaceChanged('carp1', null, [vip]);
    await work.idle();
    work.interfaceChanged('carp0', null, [vip]);
    work.interfaceChanged('carp1', null, [vip]);
    await work.idle();
    assert.deepEqual(calls, ['route carp0 [24]', 'route carp1 [24]', 'route carp0 [24]']);
  });

  it('logs and retries every interface of a round whose reconcile threw', async () => {
    const calls: number[] = [];
    const tasks: KernelWorkTasks = {
      configureCarpdev: () => Promise.resolve([]),
      reconcileRouting: (wanted) => {
        calls.push(wanted.size);
        return Promise.reject(new Error('spawn ip ENOENT'));
      },
    };
    const work = new KernelWork(tasks, createLogger('silent'));
    work.interfaceChanged('carp0', null, [vip]);
    work.interfaceChanged('carp1', null, [vip]);
    await work.idle();
    work.interfaceChanged('carp0', null, [vip]);
    work.interfaceChanged('carp1', null, [vip]);
    await work.idle();
    assert.deepEqual(calls, [2, 2]);
  });
});
