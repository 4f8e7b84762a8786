import assert from 'node:assert/strict';
import { CarpError } from '../../src/carp/errors';
import type { InterfaceStatus, NodeStats } from '../../src/carp/types';
import { ConfigError } from '../../src/config/grammar';
import {
  decodeEvent,
  decodeRequest,
  decodeResponse,
  encodeEvent,
  encodeRequest,
  encodeResponse,
  errorDtoOf,
  errorResponse,
  okResponse,
} from '../../src/control/codec';
import { CONTROL_PROTOCOL_VERSION, type MonitorEventDto, ProtocolError, type Request, interfaceStatusDto } from '../../src/control/protocol';
import { parseIp } from '../../src/wire/address';

function rejected(code: string, pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof ProtocolError || e instanceof ConfigError, `unexpected ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  };
}

const line = (message: object): string => JSON.stringify({ version: CONTROL_PROTOCOL_VERSION, ...message });

describe('control codec', () => {
  describe('requests', () => {
    const requests: readonly Request[] = [
      { type: 'show', ifname: null },
      { type: 'show', ifname: 'carp0' },
      { type: 'create', ifname: 'carp1', settings: { vhid: 1, carpdev: 'eth0' } },
      { type: 'destroy', ifname: 'carp1' },
      {
        type: 'configure',
        ifname: 'carp0',
        settings: {
          vhid: 7,
          advbase: 0,
          advskew: 254,
          pass: { kind: 'text', text: 'secret' },
          carpdev: null,
          state: 'BACKUP',
          up: false,
          groupsAdded: ['a'],
          groupsRemoved: ['b'],
        },
      },
      { type: 'configure', ifname: 'carp0', settings: { pass: { kind: 'none' } } },
      { type: 'configure', ifname: 'carp0', settings: { garpRefresh: 30 } },
      { type: 'configure', ifname: 'carp0', settings: { garpRefresh: 0 } },
      { type: 'configure', ifname: 'carp0', settings: { vhid: 1, address: { kind: 'set', address: '192.168.1.10', prefixLength: 32 } } },
      { type: 'configure', ifname: 'carp0', settings: { address: { kind: 'alias', address: '2001:db8::10', prefixLength: 64 } } },
      { type: 'configure', ifname: 'carp0', settings: { address: { kind: 'remove', address: '192.0.2.1', prefixLength: null } } },
      { type: 'configure', ifname: 'carp0', settings: { address: { kind: 'remove', address: '192.0.2.1', prefixLength: 24 } } },
      {
        type: 'create',
        ifname: 'carp2',
        settings: {
          nodes: [
            { vhid: 1, advskew: 0 },
            { vhid: 2, advskew: 100 },
          ],
          balancing: 'ip-stealth',
          carpdev: 'eth0',
        },
      },
      { type: 'group-demote', group: 'carp', delta: -3 },
      { type: 'group-show', group: 'carp' },
      { type: 'sysctl-get', names: [] },
      { type: 'sysctl-set', assignments: [{ name: 'net.inet.carp.preempt', value: '1' }] },
      { type: 'explain', ifname: 'carp0' },
      { type: 'monitor' },
      { type: 'maintenance-get' },
      { type: 'maintenance-set', on: true },
      { type: 'maintenance-set', on: false },
    ];

    it('round-trips every request type, with the version on the line', () => {
      for (const request of requests) {
        const encoded = encodeRequest(request);
        assert.equal((JSON.parse(encoded) as { version: unknown }).version, CONTROL_PROTOCOL_VERSION);
        assert.deepEqual(decodeRequest(encoded), request);
      }
    });

    it('defaults create settings to none and show ifname to all', () => {
      assert.deepEqual(decodeRequest(line({ type: 'create', ifname: 'carp0' })), { type: 'create', ifname: 'carp0', settings: {} });
      assert.deepEqual(decodeRequest(line({ type: 'show' })), { type: 'show', ifname: null });
    });

    it('refuses lines that are not a request object', () => {
      assert.throws(() => decodeRequest('not json'), rejected('bad-request', /not valid JSON/));
      assert.throws(() => decodeRequest('[1]'), rejected('bad-request', /must be a JSON object/));
      assert.throws(() => decodeRequest('null'), rejected('bad-request', /must be a JSON object/));
    });

    it('refuses another protocol version, naming both', () => {
      assert.throws(() => decodeRequest(JSON.stringify({ version: 2, type: 'show' })), rejected('unsupported-version', /version 2, this side speaks 1/));
      assert.throws(() => decodeRequest(JSON.stringify({ type: 'show' })), rejected('unsupported-version', /version undefined/));
    });

    it('refuses an unknown type, listing the valid ones', () => {
      assert.throws(
        () => decodeRequest(line({ type: 'reboot' })),
        rejected('bad-request', /unknown request type "reboot": valid types are show, create, destroy, configure, group-demote, group-show, sysctl-get, sysctl-set, counters, explain, monitor, maintenance-get, maintenance-set, reload$/),
      );
    });

    it('refuses unknown or mistyped fields', () => {
      assert.throws(() => decodeRequest(line({ type: 'destroy', ifname: 'carp0', force: true })), rejected('bad-request', /unknown field "force"/));
      assert.throws(() => decodeRequest(line({ type: 'destroy', ifname: 7 })), rejected('bad-request', /ifname must be a string/));
      assert.throws(() => decodeRequest(line({ type: 'configure', ifname: 'carp0' })), rejected('bad-request', /settings must be a JSON object/));
      assert.throws(() => decodeRequest(line({ type: 'configure', ifname: 'carp0', settings: { vhidd: 1 } })), rejected('bad-request', /unknown field "vhidd"/));
      assert.throws(() => decodeRequest(line({ type: 'configure', ifname: 'carp0', settings: { vhid: '1' } })), rejected('bad-request', /vhid must be an integer/));
      assert.throws(() => decodeRequest(line({ type: 'configure', ifname: 'carp0', settings: { up: 1 } })), rejected('bad-request', /up must be true or false/));
      assert.throws(() => decodeRequest(line({ type: 'sysctl-get', names: 'all' })), rejected('bad-request', /names must be an array/));
      assert.throws(() => decodeRequest(line({ type: 'maintenance-set', on: 'yes' })), rejected('bad-request', /on must be true or false/));
      assert.throws(() => decodeRequest(line({ type: 'maintenance-get', on: true })), rejected('bad-request', /unknown field "on"/));
    });

    it('applies the grammar\'s checks to values', () => {
      assert.throws(() => decodeRequest(line({ type: 'destroy', ifname: 'eth0' })), rejected('bad-value', /use carp0 to carp9999, without leading zeros/));
      assert.throws(() => decodeRequest(line({ type: 'configure', ifname: 'carp0', settings: { vhid: 256 } })), rejected('out-of-range', /vhid 256 is out of range: valid values are 1-255/));
      assert.throws(() => decodeRequest(line({ type: 'configure', ifname: 'carp0', settings: { advskew: 255 } })), rejected('out-of-range', /0-254/));
      assert.throws(
        () => decodeRequest(line({ type: 'configure', ifname: 'carp0', settings: { garpRefresh: 3601 } })),
        rejected('out-of-range', /garp-refresh 3601 is out of range: valid values are 0-3600/),
      );
      assert.throws(() => decodeRequest(line({ type: 'configure', ifname: 'carp0', settings: { carpdev: 'a/b' } })), rejected('bad-value', /not an interface name/));
      assert.throws(() => decodeRequest(line({ type: 'configure', ifname: 'carp0', settings: { state: 'master' } })), rejected('bad-request', /INIT, BACKUP, MASTER/));
      assert.throws(() => decodeRequest(line({ type: 'configure', ifname: 'carp0', settings: { groupsAdded: ['x1'] } })), rejected('bad-value', /ends in a digit/));
      assert.throws(() => decodeRequest(line({ type: 'group-demote', group: 'carp', delta: 0 })), rejected('bad-request', /except 0/));
      assert.throws(() => decodeRequest(line({ type: 'group-demote', group: 'carp', delta: 256 })), rejected('bad-request', /-255-255/));
      assert.throws(() => decodeRequest(line({ type: 'sysctl-set', assignments: [] })), rejected('bad-request', /must not be empty/));
      assert.throws(() => decodeRequest(line({ type: 'sysctl-set', assignments: [{ name: 'a.b', value: '1 2' }] })), rejected('bad-value', /single word/));
    });

    it('checks carpnodes as the grammar does and returns them sorted by vhid', () => {
      const settings = (fields: object): string => line({ type: 'configure', ifname: 'carp0', settings: fields });
      const unsorted = decodeRequest(settings({ nodes: [{ vhid: 9, advskew: 0 }, { vhid: 3, advskew: 7 }] }));
      assert.deepEqual(unsorted, {
        type: 'configure',
        ifname: 'carp0',
        settings: {
          nodes: [
            { vhid: 3, advskew: 7 },
            { vhid: 9, advskew: 0 },
          ],
        },
      });
      assert.throws(() => decodeRequest(settings({ nodes: [{ vhid: 255, advskew: 0 }] })), rejected('out-of-range', /^carpnodes vhid 255 is out of range: valid values are 1-254$/));
      assert.throws(() => decodeRequest(settings({ nodes: [{ vhid: 1, advskew: 255 }] })), rejected('out-of-range', /advskew 255 .* 0-254$/));
      assert.throws(() => decodeRequest(settings({ nodes: [] })), rejected('out-of-range', /^number of carpnodes 0 is out of range: valid values are 1-32$/));
      const twice = { nodes: [{ vhid: 1, advskew: 0 }, { vhid: 1, advskew: 5 }] };
      assert.throws(() => decodeRequest(settings(twice)), rejected('bad-value', /vhid 1 is given twice/));
      assert.throws(() => decodeRequest(settings({ nodes: {} })), rejected('bad-request', /^nodes must be an array$/));
      assert.throws(() => decodeRequest(settings({ nodes: [1] })), rejected('bad-request', /^nodes\[0\] must be a JSON object$/));
      assert.throws(() => decodeRequest(settings({ nodes: [{ vhid: '1', advskew: 0 }] })), rejected('bad-request', /^nodes\[0\]\.vhid must be an integer$/));
      assert.throws(() => decodeRequest(settings({ nodes: [{ vhid: 1 }] })), rejected('bad-request', /^nodes\[0\]\.advskew must be an integer$/));
      assert.throws(() => decodeRequest(settings({ nodes: [{ vhid: 1, advskew: 0, state: 'MASTER' }] })), rejected('bad-request', /unknown field "state"/));
    });

    it('refuses nodes together with vhid or advskew', () => {
      const nodes = [{ vhid: 1, advskew: 0 }];
      for (const extra of [{ vhid: 1 }, { advskew: 0 }]) {
        const request = line({ type: 'configure', ifname: 'carp0', settings: { ...extra, nodes } });
        assert.throws(() => decodeRequest(request), rejected('bad-request', /^nodes cannot be combined with vhid or advskew/));
      }
    });

    it('accepts only the exact names of balancing modes', () => {
      const settings = (balancing: unknown): string => line({ type: 'configure', ifname: 'carp0', settings: { balancing } });
      assert.deepEqual(decodeRequest(settings('arp')), { type: 'configure', ifname: 'carp0', settings: { balancing: 'arp' } });
      for (const bad of ['ip-s', 'IP', '', 1, null]) {
        assert.throws(() => decodeRequest(settings(bad)), rejected('bad-request', /^balancing must be one of none, ip, ip-stealth, ip-unicast, arp$/), String(bad));
      }
    });

    it('checks an address as the grammar does, and hands it on in canonical form', () => {
      const settings = (address: unknown): string => line({ type: 'configure', ifname: 'carp0', settings: { address } });
      assert.deepEqual(decodeRequest(settings({ kind: 'set', address: '2001:DB8:0::10', prefixLength: 128 })), {
        type: 'configure',
        ifname: 'carp0',
        settings: { address: { kind: 'set', address: '2001:db8::10', prefixLength: 128 } },
      });
      const refusals: readonly (readonly [unknown, string, RegExp])[] = [
        [{ kind: 'add', address: '192.0.2.1', prefixLength: 24 }, 'bad-request', /^address\.kind must be one of set, alias, remove$/],
        [{ kind: 'set', address: '192.0.2.300', prefixLength: 24 }, 'bad-request', /^address\.address: "192\.0\.2\.300" is not an IPv4 or IPv6 address$/],
        [{ kind: 'set', address: 7, prefixLength: 24 }, 'bad-request', /^address\.address must be a string$/],
        [{ kind: 'set', address: '192.0.2.1', prefixLength: 33 }, 'out-of-range', /^address\.prefixLength 33 is out of range: valid values are 0-32$/],
        [{ kind: 'alias', address: '2001:db8::1', prefixLength: 129 }, 'out-of-range', /0-128$/],
        [{ kind: 'set', address: '192.0.2.1', prefixLength: null }, 'bad-request', /^address\.prefixLength must be an integer$/],
        [{ kind: 'set', address: '192.0.2.1' }, 'bad-request', /^address\.prefixLength must be an integer$/],
        [{ kind: 'set', address: '192.0.2.1', prefixLength: 24, via: 'eth0' }, 'bad-request', /unknown field "via"/],
        ['192.0.2.1/24', 'bad-request', /^address must be a JSON object$/],
      ];
      for (const [address, code, pattern] of refusals) assert.throws(() => decodeRequest(settings(address)), rejected(code, pattern), JSON.stringify(address));
    });

    it('accepts a passphrase only as text or none: the daemon never reads a client\'s passfile', () => {
      const settings = (pass: unknown): string => line({ type: 'configure', ifname: 'carp0', settings: { pass } });
      assert.throws(() => decodeRequest(settings({ kind: 'file', path: '/etc/shadow' })), rejected('bad-request', /"text" or "none"/));
      assert.throws(() => decodeRequest(settings({ kind: 'text', text: '' })), rejected('bad-request', /must not be empty/));
      assert.throws(() => decodeRequest(settings({ kind: 'text', text: 'x', extra: 1 })), rejected('bad-request', /unknown field "extra"/));
    });
  });

  describe('responses', () => {
    it('decodes results and errors', () => {
      const ok = decodeResponse(encodeResponse(okResponse({ group: 'carp', demote: 2 })), 'group-show');
      assert.deepEqual(ok, { ok: true, result: { group: 'carp', demote: 2 } });
      const error = decodeResponse(encodeResponse(errorResponse({ code: 'no-such-interface', message: 'carp9: no such interface' })), 'show');
      assert.deepEqual(error, { ok: false, error: { code: 'no-such-interface', message: 'carp9: no such interface' } });
    });

    it('refuses a malformed response or another version', () => {
      assert.throws(() => decodeResponse('{', 'show'), rejected('bad-response', /not valid JSON/));
      assert.throws(() => decodeResponse(JSON.stringify({ version: 9, ok: true, result: {} }), 'show'), rejected('bad-response', /carpd speaks control protocol version 9/));
      assert.throws(() => decodeResponse(line({ result: {} }), 'show'), rejected('bad-response', /no ok field/));
      assert.throws(() => decodeResponse(line({ ok: false, error: { code: 1 } }), 'show'), rejected('bad-response', /no code or message/));
      assert.throws(() => decodeResponse(line({ ok: true, result: { warnings: [] } }), 'show'), rejected('bad-response', /show result has no valid interfaces/));
      assert.throws(() => decodeResponse(line({ ok: true, result: { warnings: [1] } }), 'configure'), rejected('bad-response', /warnings/));
    });
  });

  describe('monitor events', () => {
    it('round-trips state and demotion events, one line each with the version', () => {
      const events: readonly MonitorEventDto[] = [
        { kind: 'state', time: '2026-12-06T17:40:00.123Z', ifname: 'carp0', vhid: 1, from: 'BACKUP', to: 'MASTER', reason: 'master-down', text: 'master down timer expired' },
        { kind: 'demotion', time: '2026-12-06T17:40:01.000Z', group: null, from: 0, to: 240, reason: 'carpdev', text: 'carpdev link down or interface down' },
        { kind: 'interface', time: '2026-12-06T17:40:02.000Z', ifname: 'carp1', change: 'vanished' },
      ];
      for (const event of events) {
        const encoded = encodeEvent(event);
        assert.ok(!encoded.includes('\n'));
        assert.deepEqual(decodeEvent(encoded), event);
      }
    });

    it('refuses a line that is no event: a response, an unknown kind, another version', () => {
      assert.throws(() => decodeEvent(encodeResponse(okResponse({ monitoring: true }))), rejected('bad-response', /event must be a JSON object/));
      assert.throws(() => decodeEvent(line({ event: { kind: 'reboot', time: 'now' } })), rejected('bad-response', /no valid kind or time/));
      assert.throws(() => decodeEvent(JSON.stringify({ version: 9, event: {} })), rejected('bad-response', /version 9/));
    });

    it('refuses fields on a monitor request, and checks the interface name of explain', () => {
      assert.throws(() => decodeRequest(line({ type: 'monitor', ifname: 'carp0' })), rejected('bad-request', /unknown field "ifname"/));
      assert.throws(() => decodeRequest(line({ type: 'explain', ifname: 'eth0' })), rejected('bad-value', /eth0/));
    });
  });

  it('turns thrown errors into error responses, keeping code and message', () => {
    assert.deepEqual(errorDtoOf(new CarpError('vhid-in-use', 'vhid 1 is used by carp1 on eth0')), { code: 'vhid-in-use', message: 'vhid 1 is used by carp1 on eth0' });
    assert.deepEqual(errorDtoOf(new TypeError('x is undefined')), { code: 'internal', message: 'internal error: x is undefined' });
    assert.deepEqual(errorDtoOf('a string'), { code: 'internal', message: 'internal error: a string' });
  });
});

describe('interfaceStatusDto', () => {
  const stats: NodeStats = {
    ipackets: 5,
    ipackets6: 0,
    badttl: 0,
    badauth: 1,
    loop: 0,
    badpeer: 0,
    wrongver: 0,
    badaddrs: 0,
    replay: 0,
    accepted: 4,
    opackets: 0,
    opackets6: 0,
    oerrors: 0,
    bowOutsSent: 0,
    bowOutsReceived: 0,
    toMaster: 0,
    toBackup: 1,
    toInit: 0,
    preempts: 0,
  };
  const passphrase = 'very-secret-pass';
  const status: InterfaceStatus = {
    name: 'carp0',
    config: {
      carpdev: 'eth0',
      advbase: 1,
      key: { bytes: Buffer.from(passphrase), truncated: false },
      nodes: [{ vhid: 1, advskew: 100 }],
      balancing: 'none',
      groups: ['uplink'],
      garpRefresh: 30,
      peers: [parseIp('192.0.2.2'), parseIp('2001:db8::2')],
      vrrp: null,
    },
    adminUp: true,
    carpdevRunning: true,
    linkUp: false,
    haltReason: null,
    addresses: [parseIp('192.0.2.10')],
    demote: 0,
    balancing: 'none',
    nodes: [
      {
        vhid: 1,
        advskew: 100,
        effectiveAdvskew: 100,
        vrrp: null,
        state: 'BACKUP',
        lastTransition: { reason: 'ready', at: 1000 },
        peers: [{ source: parseIp('192.0.2.1'), advbase: 1, advskew: 0, demote: 0, counter: Buffer.alloc(8), lastSeen: 9500 }],
        nextTimer: { kind: 'master-down', at: 13_000 },
        stats,
      },
    ],
  };

  const dto = interfaceStatusDto({
    status,
    now: 12_999,
    mac: Buffer.from('00005e000101', 'hex'),
    mtu: 1500,
    addresses: [{ address: parseIp('192.0.2.10'), prefixLength: 24 }],
    carpdevStats: { ipackets: 9, ipackets6: 0, hdrops: 0, badsum: 0, badver: 0, badvhid: 3, disallowed: 0, vrrp: 0, malformed: 1, unclaimed: 0, stale: 0 },
    dataPlane: { framesIn: 10, framesOut: 8, droppedNotMaster: 2, droppedWriteFailed: 0 },
  });

  it('carries status, kernel facts and ages in whole seconds', () => {
    assert.deepEqual(dto, {
      name: 'carp0',
      mac: '00:00:5e:00:01:01',
      mtu: 1500,
      adminUp: true,
      running: true,
      linkUp: false,
      carpdev: 'eth0',
      advbase: 1,
      balancing: 'none',
      groups: ['carp', 'uplink'],
      carppeers: ['192.0.2.2', '2001:db8::2'],
      demote: 0,
      garpRefresh: 30,
      carpver: 2,
      vrrp: null,
      addresses: [{ family: 4, address: '192.0.2.10', prefixLength: 24 }],
      nodes: [
        {
          vhid: 1,
          advskew: 100,
          effectiveAdvskew: 100,
          vrrp: null,
          state: 'BACKUP',
          lastTransition: { reason: 'ready', text: 'interface up, configured and carpdev running', secondsAgo: 11 },
          master: { source: '192.0.2.1', advbase: 1, advskew: 0, demote: 0, secondsAgo: 3 },
          stats,
        },
      ],
      carpdevStats: { ipackets: 9, ipackets6: 0, hdrops: 0, badsum: 0, badver: 0, badvhid: 3, disallowed: 0, vrrp: 0, malformed: 1, unclaimed: 0, stale: 0 },
      dataPlane: { framesIn: 10, framesOut: 8, droppedNotMaster: 2, droppedWriteFailed: 0 },
    });
  });

  it('never carries the key', () => {
    const json = JSON.stringify(dto);
    assert.ok(!json.includes(passphrase));
    assert.ok(!json.includes(Buffer.from(passphrase).toString('hex')));
    assert.ok(!json.includes('key'));
  });

  it('is not running while every node is INIT', () => {
    const init = interfaceStatusDto({
      status: { ...status, nodes: status.nodes.map((n) => ({ ...n, state: 'INIT' as const })) },
      now: 0,
      mac: null,
      mtu: 1500,
      addresses: [],
      carpdevStats: null,
      dataPlane: null,
    });
    assert.equal(init.running, false);
    assert.equal(init.mac, null);
    assert.equal(init.nodes[0]?.lastTransition?.secondsAgo, 0);
  });

  describe('balancing', () => {
    const twoNodes = { ...status, nodes: status.nodes.flatMap((n) => [n, { ...n, vhid: 2, state: 'MASTER' as const }]) };
    const balancingOf = (s: InterfaceStatus): string =>
      interfaceStatusDto({ status: s, now: 0, mac: null, mtu: 1500, addresses: [], carpdevStats: null, dataPlane: null }).balancing;

    it('carries the mode in force as the core reports it, not the configured one', () => {
      const configured = { ...twoNodes, config: { ...twoNodes.config, balancing: 'none' as const } };
      assert.equal(balancingOf({ ...configured, balancing: 'ip' }), 'ip');
      assert.equal(balancingOf({ ...twoNodes, balancing: 'ip-unicast' }), 'ip-unicast');
    });

    it('lists one entry per carpnode', () => {
      const dto = interfaceStatusDto({ status: twoNodes, now: 0, mac: null, mtu: 1500, addresses: [], carpdevStats: null, dataPlane: null });
      assert.deepEqual(
        dto.nodes.map((n) => [n.vhid, n.state, n.advskew]),
        [
          [1, 'BACKUP', 100],
          [2, 'MASTER', 100],
        ],
      );
    });
  });

  it('shows a master only for a BACKUP: a MASTER`s last peer is old news', () => {
    const asState = (state: 'MASTER' | 'BACKUP') =>
      interfaceStatusDto({
        status: { ...status, nodes: status.nodes.map((n) => ({ ...n, state })) },
        now: 12_999,
        mac: null,
        mtu: 1500,
        addresses: [],
        carpdevStats: null,
        dataPlane: null,
      }).nodes[0]?.master;
    assert.deepEqual(asState('BACKUP'), { source: '192.0.2.1', advbase: 1, advskew: 0, demote: 0, secondsAgo: 3 });
    assert.equal(asState('MASTER'), null);
  });
});
