/**
 * NetlinkControl and RtnlRequester against a fake rtnetlink socket: the requests as bytes, and each
 * way the kernel (or the socket) can answer. The real kernel path is in netns-settings.test.ts,
 * which needs root; these run everywhere.
 */
import { strict as assert } from 'node:assert';
import { Buffer } from 'node:buffer';
import type { NetlinkMessage } from 'netlink';
import { parsePrefix } from '../../src/wire/address';
import { KernelError } from '../../src/kernel/errors';
import { NetlinkControl } from '../../src/kernel/link-control';
import { decodeAddress, encodeLinkByName } from '../../src/kernel/rtnetlink-codec';
import * as c from '../../src/kernel/rtnetlink-constants';
import { RtnlRequester, type RequestSocket } from '../../src/kernel/rtnl-requester';
import { linkPayload } from './fixtures/rtnl-builders';

interface Sent {
  readonly type: number;
  readonly flags: number;
  readonly payload: Buffer;
  readonly timeout: number | undefined;
}

type Answer = NetlinkMessage[] | Error;

const message = (type: number, data: Buffer): NetlinkMessage => ({ type, flags: 0, seq: 1, port: 0, data });
const ack = (errno = 0): NetlinkMessage[] => {
  const data = Buffer.alloc(20);
  data.writeInt32LE(-errno, 0);
  return [message(c.NLMSG_ERROR, data)];
};

/** One socket of a fake kernel: it knows links by name and answers requests in the order queued. */
class FakeRouteSocket implements RequestSocket {
  readonly sent: Sent[] = [];
  readonly answers: Answer[] = [];
  closed = false;
  private errorListener: ((error: Error & { code?: string }) => void) | null = null;

  constructor(private readonly links: ReadonlyMap<string, number>) {}

  request(type: number, data: Uint8Array[], options: { flags?: number; timeout?: number }): Promise<[NetlinkMessage[], unknown]> {
    const payload = Buffer.concat(data);
    this.sent.push({ type, flags: options.flags ?? 0, payload, timeout: options.timeout });
    const queued = this.answers.shift();
    if (queued instanceof Error) return Promise.reject(queued);
    if (queued) return Promise.resolve([queued, {}]);
    if (type !== c.RTM_GETLINK) return Promise.resolve([ack(), {}]);
    const name = payload.subarray(c.IFINFOMSG_LENGTH + 4).toString('utf8').replace(/\0.*$/s, '');
    const index = this.links.get(name);
    if (index === undefined) return Promise.resolve([ack(19 /* ENODEV */), {}]);
    return Promise.resolve([[message(c.RTM_NEWLINK, linkPayload({ index, name }))], {}]);
  }

  on(_event: 'error', listener: (error: Error & { code?: string }) => void): this {
    this.errorListener = listener;
    return this;
  }

  fail(error: Error & { code?: string }): void {
    this.errorListener?.(error);
  }

  close(): void {
    this.closed = true;
  }
}

function world(links: Record<string, number> = { carp0: 7 }) {
  const sockets: FakeRouteSocket[] = [];
  const errors: Error[] = [];
  const requester = new RtnlRequester({
    timeoutMs: 250,
    onError: (error) => errors.push(error),
    openSocket: () => {
      const socket = new FakeRouteSocket(new Map(Object.entries(links)));
      sockets.push(socket);
      return socket;
    },
  });
  const socket = (): FakeRouteSocket => {
    const last = sockets.at(-1);
    assert.ok(last, 'no socket was opened');
    return last;
  };
  return { control: new NetlinkControl(requester), requester, sockets, socket, errors };
}

async function rejectsWith(promise: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof KernelError, `not a KernelError: ${String(e)}`);
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('kernel/link-control: NetlinkControl over a fake rtnetlink socket', () => {
  it('sets a link up or down by name: RTM_SETLINK with IFF_UP in the change mask, acknowledged', async () => {
    const { control, socket } = world();
    await control.setLinkUp('carp0', true);
    await control.setLinkUp('carp0', false);
    const [up, down] = socket().sent;
    for (const [sent, flags] of [[up, c.IFF_UP], [down, 0]] as const) {
      assert.equal(sent?.type, c.RTM_SETLINK);
      assert.equal(sent.payload.readInt32LE(4), 0, 'looked up by name, not by index');
      assert.equal(sent.payload.readUInt32LE(8), flags);
      assert.equal(sent.payload.readUInt32LE(12), c.IFF_UP);
      assert.equal(sent.payload.subarray(c.IFINFOMSG_LENGTH + 4, c.IFINFOMSG_LENGTH + 10).toString(), 'carp0\0');
      assert.equal(sent.timeout, 250);
    }
  });

  it('adds an address on the index the kernel names, refusing a duplicate (NLM_F_EXCL), and IPv6 without DAD', async () => {
    const { control, socket } = world({ carp3: 42 });
    await control.addAddress('carp3', parsePrefix('192.0.2.10/24'));
    await control.addAddress('carp3', parsePrefix('2001:db8::10/64'));
    const sent = socket().sent;
    assert.deepEqual(sent.map((s) => s.type), [c.RTM_GETLINK, c.RTM_NEWADDR, c.RTM_GETLINK, c.RTM_NEWADDR]);
    const [v4, v6] = [sent[1], sent[3]].map((s) => {
      assert.ok(s);
      assert.equal(s.flags, c.NLM_F_CREATE | c.NLM_F_EXCL);
      return decodeAddress(s.payload);
    });
    assert.equal(v4?.index, 42);
    assert.deepEqual(v4?.prefix, parsePrefix('192.0.2.10/24'));
    assert.equal(v4?.flags, 0);
    assert.equal(v6?.index, 42);
    assert.deepEqual(v6?.prefix, parsePrefix('2001:db8::10/64'));
    assert.equal(v6?.flags, c.IFA_F_NODAD);
  });

  it('removes an address with RTM_DELADDR on the link`s index', async () => {
    const { control, socket } = world();
    await control.removeAddress('carp0', parsePrefix('10.0.0.1/8'));
    const removal = socket().sent[1];
    assert.equal(removal?.type, c.RTM_DELADDR);
    assert.equal(removal.flags, 0);
    assert.equal(decodeAddress(removal.payload).index, 7);
  });

  it('names the operation, the object and the errno when the kernel refuses', async () => {
    const { control, socket } = world();
    await control.setLinkUp('carp0', true);
    socket().answers.push(ack(17 /* EEXIST */));
    await rejectsWith(
      control.addAddress('carp0', parsePrefix('10.0.0.1/24')),
      'EEXIST',
      'addAddress carp0 10.0.0.1/24: EEXIST (file already exists)',
    );
    await rejectsWith(control.addAddress('carp9', parsePrefix('10.0.0.1/24')), 'ENODEV', /^addAddress carp9 10\.0\.0\.1\/24: ENODEV/);
  });

  it('refuses a kernel answer that does not describe the link', async () => {
    const { control, socket } = world();
    await control.setLinkUp('carp0', true);
    socket().answers.push([]);
    await rejectsWith(
      control.removeAddress('carp0', parsePrefix('10.0.0.1/24')),
      'EBADMSG',
      'removeAddress carp0 10.0.0.1/24: the kernel answered without describing carp0',
    );
  });

  it('refuses a bad name or prefix before anything reaches the kernel', async () => {
    const { control, sockets } = world();
    await rejectsWith(control.setLinkUp('carp0/x', true), 'EINVAL', /^setLinkUp carp0\/x up: /);
    const tooLong = { address: { family: 4 as const, bytes: Buffer.from([10, 0, 0, 1]) }, prefixLength: 33 };
    await rejectsWith(control.addAddress('carp0', tooLong), 'EINVAL', 'addAddress carp0 10.0.0.1/33: not an IPv4 or IPv6 prefix with a valid length');
    const shortAddress = { address: { family: 4 as const, bytes: Buffer.from([10, 0, 1]) }, prefixLength: 8 };
    await rejectsWith(control.removeAddress('carp0', shortAddress), 'EINVAL', 'removeAddress carp0 (invalid prefix): not an IPv4 or IPv6 prefix with a valid length');
    assert.equal(sockets.length, 0, 'no socket opened for a refused request');
  });
});

describe('kernel/rtnl-requester', () => {
  it('opens one socket on first use, keeps it, and opens a new one after close', async () => {
    const { control, sockets } = world();
    await control.setLinkUp('carp0', true);
    await control.setLinkUp('carp0', false);
    assert.equal(sockets.length, 1);
    control.close();
    assert.equal(sockets[0]?.closed, true);
    await control.setLinkUp('carp0', true);
    assert.equal(sockets.length, 2);
  });

  it('turns a request that times out into ETIMEDOUT, and another failure of the socket into its errno', async () => {
    const { control, socket } = world();
    await control.setLinkUp('carp0', true);
    socket().answers.push(new Error('Timeout has been reached'));
    await rejectsWith(control.setLinkUp('carp0', false), 'ETIMEDOUT', 'setLinkUp carp0 down: Timeout has been reached');
    socket().answers.push(Object.assign(new Error('send failed'), { code: 'ENOBUFS' }));
    await rejectsWith(control.setLinkUp('carp0', false), 'ENOBUFS', 'setLinkUp carp0 down: send failed');
    socket().answers.push(new Error('gone'));
    await rejectsWith(control.setLinkUp('carp0', false), 'EIO', 'setLinkUp carp0 down: gone');
  });

  it('returns the answer messages of a request that has them, and [] for an acknowledgement', async () => {
    const { requester, socket } = world();
    const answer = await requester.request('getLink carp0', c.RTM_GETLINK, 0, encodeLinkByName('carp0'));
    assert.deepEqual(answer.map((m) => m.type), [c.RTM_NEWLINK]);
    socket().answers.push(ack());
    assert.deepEqual(await requester.request('setLink carp0', c.RTM_SETLINK, 0, []), []);
  });

  it('reports an error of the socket outside any request as a KernelError', async () => {
    const { control, socket, errors } = world();
    await control.setLinkUp('carp0', true);
    socket().fail(Object.assign(new Error('receive buffer overrun'), { code: 'ENOBUFS' }));
    socket().fail(new Error('no code'));
    assert.deepEqual(
      errors.map((e) => [e instanceof KernelError ? e.code : 'not a KernelError', e.message]),
      [
        ['ENOBUFS', 'rtnetlink: receive buffer overrun'],
        ['EIO', 'rtnetlink: no code'],
      ],
    );
  });
});
