import assert from 'node:assert/strict';
import { CarpHost } from '../../src/carp/host';
import { deriveKey } from '../../src/wire/hmac';
import { VIP4 } from '../sim/setup';
import { countingRandom, ip, summary } from './helpers';

/** carp0 up, configured on eth0 with vhid 1 and a VIP, in a host that waits for the kernel setup. */
function waitingHost(): CarpHost {
  const host = new CarpHost({ random: countingRandom(), kernelSetup: true });
  host.setCarpdevRunning('eth0', true, 0);
  host.createInterface('carp0', 0);
  host.configure('carp0', { carpdev: 'eth0', advbase: 1, key: deriveKey('secret'), nodes: [{ vhid: 1, advskew: 0 }] }, 0);
  host.setAddresses('carp0', [ip(VIP4)], 0);
  host.setAdminUp('carp0', true, 0);
  return host;
}

const states = (actions: ReturnType<CarpHost['tick']>): string[] => summary(actions).filter((s) => s.startsWith('state'));

describe('carp/host waiting for the kernel setup (kernelSetup)', () => {
  it('stays INIT, says why, and cannot be forced MASTER until the setup is reported for its carpdev', () => {
    const host = waitingHost();
    assert.equal(host.status().interfaces[0]?.nodes[0]?.state, 'INIT');
    assert.equal(host.nextDeadline(), null);
    assert.throws(() => host.forceState('carp0', 'MASTER', 1), /not running \(waiting for the ARP settings of the carpdev and the policy routes\)/);
    assert.deepEqual(states(host.setKernelReady('carp0', 'eth1', 2)), [], 'a setup for another carpdev does not count');
    assert.deepEqual(states(host.setKernelReady('carp0', 'eth0', 3)), ['state 1 INIT->BACKUP ready']);
    assert.equal(host.nextDeadline(), 3003);
  });

  it('stays INIT after its carpdev changes, until the setup for the new one is reported', () => {
    const host = waitingHost();
    host.setKernelReady('carp0', 'eth0', 1);
    host.setCarpdevRunning('eth1', true, 2);
    // A change of carpdev restarts the interface (OpenBSD carp_set_ifp); it does not run again yet.
    assert.deepEqual(states(host.configure('carp0', { carpdev: 'eth1' }, 3)), ['state 1 BACKUP->INIT unconfigured']);
    assert.equal(host.nextDeadline(), null);
    assert.deepEqual(states(host.setKernelReady('carp0', 'eth1', 4)), ['state 1 INIT->BACKUP ready']);
  });

  it('a MASTER whose setup is withdrawn bows out like one taken down', () => {
    const host = waitingHost();
    host.setKernelReady('carp0', 'eth0', 0);
    host.forceState('carp0', 'MASTER', 1);
    assert.deepEqual(summary(host.setKernelReady('carp0', null, 2)).slice(0, 2), ['advertise 1 v4 bow-out', 'state 1 MASTER->INIT kernel-setup']);
  });

  it('a core without a kernel to set up runs as soon as the rest of the running condition holds', () => {
    const host = new CarpHost({ random: countingRandom() });
    host.setCarpdevRunning('eth0', true, 0);
    host.createInterface('carp0', 0);
    host.configure('carp0', { carpdev: 'eth0', advbase: 1, key: deriveKey('secret'), nodes: [{ vhid: 1, advskew: 0 }] }, 0);
    host.setAddresses('carp0', [ip(VIP4)], 0);
    assert.deepEqual(states(host.setAdminUp('carp0', true, 0)), ['state 1 INIT->BACKUP ready']);
  });
});
