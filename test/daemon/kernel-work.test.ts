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

/** A KernelWork whose set-up reports land in the same list as the tasks, in order. */
function recordingWork(failRouting = (_ifname: string): boolean => false): { work: KernelWork; calls: string[] } {
  const { tasks, calls } = recordingTasks(failRouting);
  const work = new KernelWork(tasks, createLogger('silent'), (ifname, carpdev) => calls.push(`set up ${ifname} for ${carpdev ?? 'none'}`));
  return { work, calls };
}

const vip = parsePrefix('192.0.2.10/24');
const eth0 = { name: 'eth0', index: 2 };

describe('daemon/kernel-work', () => {
  it('configures a carpdev once per device, and again when it is a new device of the same name', async () => {
    const { tasks, calls } = recordingTasks();
    const work = new KernelWork(tasks, createLogger('silent'), () => undefined);
    work.interfaceChanged('carp0', eth0, [vip]);
    work.interfaceChanged('carp1', eth0, []);
    await work.idle();
    work.interfaceChanged('carp0', { name: 'eth0', index: 7 }, [vip]);
    await work.idle();
    assert.deepEqual(calls.filter((c) => c.startsWith('carpdev')), ['carpdev eth0', 'carpdev eth0']);
  });

  it('reconciles routing only when the VIP list changes, and again after carpN was down', async () => {
    const { tasks, calls } = recordingTasks();
    const work = new KernelWork(tasks, createLogger('silent'), () => undefined);
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
    const work = new KernelWork(tasks, createLogger('silent'), () => undefined);
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
    const work = new KernelWork(tasks, createLogger('silent'), () => undefined);
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
    const work = new KernelWork(tasks, createLogger('silent'), () => undefined);
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
    const work = new KernelWork(tasks, createLogger('silent'), () => undefined);
    work.interfaceChanged('carp0', null, [vip]);
    work.interfaceChanged('carp1', null, [vip]);
    await work.idle();
    work.interfaceChanged('carp0', null, [vip]);
    work.interfaceChanged('carp1', null, [vip]);
    await work.idle();
    assert.deepEqual(calls, [2, 2]);
  });

  it('reports carpN set up only after its carpdev was configured and its routes reconciled', async () => {
    const { work, calls } = recordingWork();
    work.interfaceChanged('carp0', eth0, [vip]);
    assert.deepEqual(calls, [], 'nothing is reported before the work has run');
    await work.idle();
    assert.deepEqual(calls, ['carpdev eth0', 'route carp0 [24]', 'set up carp0 for eth0']);
  });

  it('reports again for a new carpdev or after a down and up, but not for a change of VIPs while up', async () => {
    const { work, calls } = recordingWork();
    work.interfaceChanged('carp0', eth0, [vip]);
    await work.idle();
    calls.length = 0;
    work.interfaceChanged('carp0', eth0, [vip, parsePrefix('192.0.2.11/24')]);
    await work.idle();
    assert.deepEqual(calls, ['route carp0 [24,24]']);
    calls.length = 0;
    work.interfaceChanged('carp0', null, null);
    work.interfaceChanged('carp0', { name: 'eth1', index: 3 }, [vip]);
    await work.idle();
    assert.deepEqual(calls, ['carpdev eth1', 'route carp0 [24]', 'set up carp0 for eth1']);
  });

  it('does not report the setup of an earlier up once carpN went down and up during its round', async () => {
    const reported: string[] = [];
    let finishFirst!: () => void;
    const firstRound = new Promise<void>((done) => (finishFirst = done));
    let rounds = 0;
    const tasks: KernelWorkTasks = {
      configureCarpdev: () => Promise.resolve([]),
      reconcileRouting: async (wanted) => {
        rounds += 1;
        if (rounds === 1) await firstRound;
        reported.push(`round ${rounds}`);
        return new Map([...wanted.keys()].map((ifname) => [ifname, { changes: [], error: null }]));
      },
    };
    const work = new KernelWork(tasks, createLogger('silent'), (ifname) => reported.push(`set up ${ifname}`));
    work.interfaceChanged('carp0', eth0, [vip]);
    while (rounds === 0) await new Promise((next) => setImmediate(next));
    work.interfaceChanged('carp0', eth0, null);
    work.interfaceChanged('carp0', eth0, [vip]);
    finishFirst();
    await work.idle();
    assert.deepEqual(reported, ['round 1', 'round 2', 'set up carp0']);
  });

  it('reports carpN set up only once it has addresses: routes for none are not those it runs with', async () => {
    const { work, calls } = recordingWork();
    work.interfaceChanged('carp0', eth0, []);
    await work.idle();
    assert.deepEqual(calls, ['carpdev eth0', 'route carp0 []']);
    work.interfaceChanged('carp0', eth0, [vip]);
    await work.idle();
    assert.deepEqual(calls.slice(2), ['route carp0 [24]', 'set up carp0 for eth0']);
  });

  it('reports nothing for a carpN that went down or was removed before its setup ran', async () => {
    const { work, calls } = recordingWork();
    work.interfaceChanged('carp0', eth0, [vip]);
    work.interfaceChanged('carp0', eth0, null);
    work.interfaceChanged('carp1', eth0, [vip]);
    await work.interfaceRemoved('carp1');
    assert.deepEqual(calls.filter((c) => c.startsWith('set up')), []);
  });

  it('reports carpN set up even when its routes failed: it runs, and the failure is logged and retried', async () => {
    const { work, calls } = recordingWork(() => true);
    work.interfaceChanged('carp0', eth0, [vip]);
    await work.idle();
    assert.deepEqual(calls, ['carpdev eth0', 'route carp0 [24]', 'set up carp0 for eth0']);
  });
});
