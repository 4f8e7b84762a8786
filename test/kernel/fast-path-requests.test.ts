import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { type FastPathSpec, filterPreference } from '../../src/kernel/fast-path-commands';
import { NetlinkFastPathRequests } from '../../src/kernel/fast-path-requests';
import type { RtnlTransport, TransportError, TransportHandlers } from '../../src/kernel/netlink-transport';
import { NLMSG_ERROR } from '../../src/kernel/rtnetlink-constants';
import { encodeAddClsact, encodeDeleteClsact, encodeDeleteIngressFilter, encodeFlushEgressFilters } from '../../src/kernel/tc-codec';
import { parseMac } from '../../src/wire/address';
import { datagram } from './fixtures/rtnl-builders';

const SPEC: FastPathSpec = { ifname: 'carp0', carpdev: 'eth0', mac: parseMac('00:00:5e:00:01:01') };
const INDEXES: Record<string, number> = { carp0: 9, carp1: 10, eth0: 2 };

/** One socket per removal: what was sent on it, whether it was closed, and a way to answer. */
class FakeSockets {
  readonly sent: Buffer[] = [];
  opened = 0;
  closed = 0;
  sendFailure: TransportError | null = null;
  private handlers: TransportHandlers | null = null;

  readonly open = (handlers: TransportHandlers): RtnlTransport => {
    this.opened++;
    this.handlers = handlers;
    return {
      join: () => undefined,
      send: (message, onFailure) => {
        this.sent.push(Buffer.concat(message));
        if (this.sendFailure) onFailure(this.sendFailure);
      },
      close: () => void this.closed++,
    };
  };

  /** The kernel's acknowledgements: `errnos[i]` answers the request with sequence number i + 1 (0: done). */
  answer(...errnos: number[]): void {
    const acks = errnos.map((errno, i) => {
      const data = Buffer.alloc(20);
      data.writeInt32LE(-errno);
      return { type: NLMSG_ERROR, data, seq: i + 1 };
    });
    this.handlers?.datagram(datagram(...acks));
  }
}

function setUp(): { sockets: FakeSockets; requests: NetlinkFastPathRequests } {
  const sockets = new FakeSockets();
  const requests = new NetlinkFastPathRequests((ifname) => INDEXES[ifname] ?? null, sockets.open);
  return { sockets, requests };
}

describe('kernel/fast-path-requests', () => {
  it('sends the three removals in one datagram before it returns: carpN`s egress filters first, then both redirects', () => {
    const { sockets, requests } = setUp();
    void requests.remove(SPEC);
    assert.equal(sockets.sent.length, 1, 'sent in the call, not later');
    const expected = Buffer.concat([
      encodeFlushEgressFilters(9, 1),
      encodeDeleteIngressFilter(2, filterPreference(SPEC.mac, 0), 2),
      encodeDeleteIngressFilter(2, filterPreference(SPEC.mac, 1), 3),
    ]);
    assert.deepEqual(sockets.sent[0], expected);
    sockets.answer(0, 0, 0);
  });

  it('resets carpN`s clsact qdisc in one datagram, the old one deleted first; done also when there was none', async () => {
    const { sockets, requests } = setUp();
    const reset = requests.resetEgress('carp1');
    assert.deepEqual(sockets.sent, [Buffer.concat([encodeDeleteClsact(10, 1), encodeAddClsact(10, 2)])]);
    sockets.answer(constants.errno.ENOENT, 0);
    assert.equal(await reset, true);
    assert.equal(sockets.closed, 1);
    assert.equal(await requests.resetEgress('carp9'), false, 'an interface the kernel does not know');
    assert.equal(sockets.opened, 1);
  });

  it('two removals in one turn each go at once, on sockets of their own', () => {
    const { sockets, requests } = setUp();
    void requests.remove(SPEC);
    void requests.remove({ ifname: 'carp1', carpdev: 'eth0', mac: parseMac('00:00:5e:00:01:02') });
    assert.equal(sockets.sent.length, 2);
    assert.equal(sockets.opened, 2);
  });

  it('resolves true once every request is acknowledged, or answered as not there; then closes its socket', async () => {
    const { sockets, requests } = setUp();
    const removed = requests.remove(SPEC);
    sockets.answer(0, constants.errno.ENOENT, 0);
    assert.equal(await removed, true);
    assert.equal(sockets.closed, 1);
  });

  it('resolves false when the kernel refuses one (the caller falls back to tc)', async () => {
    const { sockets, requests } = setUp();
    const removed = requests.remove(SPEC);
    sockets.answer(constants.errno.EPERM, 0, 0);
    assert.equal(await removed, false);
    assert.equal(sockets.closed, 1);
  });

  it('resolves false when the send fails', async () => {
    const { sockets, requests } = setUp();
    sockets.sendFailure = Object.assign(new Error('sendmsg: ENOBUFS'), { code: 'ENOBUFS' });
    assert.equal(await requests.remove(SPEC), false);
    assert.equal(sockets.closed, 1);
  });

  it('resolves false and sends nothing for an interface the kernel does not know', async () => {
    const { sockets, requests } = setUp();
    assert.equal(await requests.remove({ ...SPEC, carpdev: 'eth9' }), false);
    assert.equal(sockets.opened, 0);
  });

  it('waits for all three answers: one alone settles nothing', async () => {
    const { sockets, requests } = setUp();
    let settled = false;
    const removed = requests.remove(SPEC).then((outcome) => {
      settled = true;
      return outcome;
    });
    sockets.answer(0);
    await Promise.resolve();
    assert.equal(settled, false);
    sockets.answer(0, 0, 0);
    assert.equal(await removed, true);
  });
});
