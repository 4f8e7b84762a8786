import assert from 'node:assert/strict';
import { parseMac } from '../../src/wire/address';
import { filterVerdict, loadFilter } from '../fakes/bpf-program';
import { ipv4 } from './frames-for-tests';
import { relayWithMaster } from './recording-fast-path';

const VMAC = parseMac('00:00:5e:00:01:01');
/** An ICMP echo request's protocol number. */
const ICMP = 1;

/** carp0 MASTER with the kernel carrying it, and the carpdev socket's filter as it is now. */
async function kernelCarrying(): Promise<{ relay: ReturnType<typeof relayWithMaster>['relay']; copies: () => boolean; filters: () => number }> {
  const { relay, fastPath, binding } = relayWithMaster();
  const socket = binding.sockets[0];
  assert.ok(socket);
  let filter: Buffer | null = null;
  let set = 0;
  const setFilter = socket.setFilter.bind(socket);
  socket.setFilter = (program: Buffer): void => {
    set++;
    filter = program;
    setFilter(program);
  };
  const spec = fastPath.last;
  assert.ok(spec);
  relay.fastPathActive('carp0', spec);
  await Promise.resolve();
  const echoToVip = ipv4(VMAC, ICMP);
  return {
    relay,
    copies: () => filter === null || filterVerdict(loadFilter('eth0', filter), echoToVip) > 0,
    filters: () => set,
  };
}

describe('relay: the carpdev filter of the MACs the kernel carries', () => {
  it('leaves them out once the turn in which the kernel took them has ended, with one new filter', async () => {
    const { copies, filters } = await kernelCarrying();
    assert.equal(copies(), false);
    assert.equal(filters(), 1);
  });

  it('lets them through again within the call that takes them back, before the kernel`s path is asked to go', async () => {
    const { relay, copies } = await kernelCarrying();
    relay.leavingMaster('carp0', 1);
    assert.equal(copies(), true, 'no frame to the virtual MAC may be left out once the relay carries it again');
  });
});
