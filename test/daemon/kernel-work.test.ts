import assert from 'node:assert/strict';
import { KernelWork, type KernelWorkTasks } from '../../src/daemon/kernel-work';
import { createLogger } from '../../src/daemon/logger';
import { parsePrefix } from '../../src/wire/address';

function recordingTasks(failRouting = false): { tasks: KernelWorkTasks; calls: string[] } {
  const calls: string[] = [];
  const tasks: KernelWorkTasks = {
    configureCarpdev: (carpdev) => {
      calls.push(`carpdev ${carpdev}`);
      return Promise.resolve([]);
    },
    reconcileRouting: (ifname, vips) => {
      calls.push(`route ${ifname} [${vips.map((v) => `${v.prefixLength}`).join(',')}]`);
      return failRouting ? Promise.reject(new Error('ip: RTNETLINK answers: Operation not permitted')) : Promise.resolve([]);
    },
  };
  return { tasks, calls };
}

/** A KernelWork whose set-up reports land in the same list as the tasks, in order. */
function recordingWork(failRouting = false): { work: KernelWork; calls: string[] } {
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
    work.interfaceChanged('carp0', { name: 'eth0', index: 7 }, [vip]);
    await work.idle();
    assert.deepEqual(calls.filter((c) => c.startsWith('carpdev')), ['carpdev eth0', 'carpdev eth0']);
  });

  it('reconciles routing only when the VIP list changes, and again after carpN was down', async () => {
    const { tasks, calls } = recordingTasks();
    const work = new KernelWork(tasks, createLogger('silent'), () => undefined);
    work.interfaceChanged('carp0', null, [vip]);
    work.interfaceChanged('carp0', null, [vip]);
    work.interfaceChanged('carp0', null, null);
    work.interfaceChanged('carp0', null, [vip]);
    await work.interfaceRemoved('carp0');
    assert.deepEqual(calls, ['route carp0 [24]', 'route carp0 [24]', 'route carp0 []']);
  });

  it('logs a failure and tries again with the next change instead of throwing', async () => {
    const { tasks, calls } = recordingTasks(true);
    const work = new KernelWork(tasks, createLogger('silent'), () => undefined);
    work.interfaceChanged('carp0', null, [vip]);
    await work.idle();
    work.interfaceChanged('carp0', null, [vip]);
    await work.idle();
    assert.equal(calls.length, 2);
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

  it('does not take the mark of an earlier up for the next one: only the last setup is reported', async () => {
    const { work, calls } = recordingWork();
    work.interfaceChanged('carp0', eth0, [vip]);
    work.interfaceChanged('carp0', eth0, null);
    work.interfaceChanged('carp0', eth0, [vip]);
    await work.idle();
    assert.deepEqual(calls, ['carpdev eth0', 'route carp0 [24]', 'route carp0 [24]', 'set up carp0 for eth0']);
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
    const { work, calls } = recordingWork(true);
    work.interfaceChanged('carp0', eth0, [vip]);
    await work.idle();
    assert.deepEqual(calls, ['carpdev eth0', 'route carp0 [24]', 'set up carp0 for eth0']);
  });
});
