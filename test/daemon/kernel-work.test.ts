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

const vip = parsePrefix('192.0.2.10/24');
const eth0 = { name: 'eth0', index: 2 };

describe('daemon/kernel-work', () => {
  it('configures a carpdev once per device, and again when it is a new device of the same name', async () => {
    const { tasks, calls } = recordingTasks();
    const work = new KernelWork(tasks, createLogger('silent'));
    work.interfaceChanged('carp0', eth0, [vip]);
    work.interfaceChanged('carp1', eth0, []);
    work.interfaceChanged('carp0', { name: 'eth0', index: 7 }, [vip]);
    await work.idle();
    assert.deepEqual(calls.filter((c) => c.startsWith('carpdev')), ['carpdev eth0', 'carpdev eth0']);
  });

  it('reconciles routing only when the VIP list changes, and again after carpN was down', async () => {
    const { tasks, calls } = recordingTasks();
    const work = new KernelWork(tasks, createLogger('silent'));
    work.interfaceChanged('carp0', null, [vip]);
    work.interfaceChanged('carp0', null, [vip]);
    work.interfaceChanged('carp0', null, null);
    work.interfaceChanged('carp0', null, [vip]);
    await work.interfaceRemoved('carp0');
    assert.deepEqual(calls, ['route carp0 [24]', 'route carp0 [24]', 'route carp0 []']);
  });

  it('logs a failure and tries again with the next change instead of throwing', async () => {
    const { tasks, calls } = recordingTasks(true);
    const work = new KernelWork(tasks, createLogger('silent'));
    work.interfaceChanged('carp0', null, [vip]);
    await work.idle();
    work.interfaceChanged('carp0', null, [vip]);
    await work.idle();
    assert.equal(calls.length, 2);
  });
});
