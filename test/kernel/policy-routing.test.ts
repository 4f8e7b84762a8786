import assert from 'node:assert/strict';
import { parsePrefix } from '../../src/wire/address';
import { IncompleteChangeError, KernelError } from '../../src/kernel/errors';
import { type IpRunner, reconcilePolicyRouting } from '../../src/kernel/policy-routing';
import { carpRoutingScheme, parseIpRoutes, parseIpRules } from '../../src/kernel/policy-routing-plan';

/** Answers `ip -json ... show table T` from canned JSON and records every other command. */
class FakeIp {
  readonly commands: string[] = [];
  listings: Record<string, string> = {};
  failOn: RegExp | null = null;

  readonly run: IpRunner = (args) => {
    const line = args.join(' ');
    if (args[0] === '-json') {
      const key = `${args[1]} ${args[2]}`; // "-4 rule", "-6 route"
      const listing = this.listings[key];
      if (listing === undefined && args[2] === 'route') {
        return Promise.reject(new KernelError('EIPROUTE2', `ip ${line}: Error: ipv4: FIB table does not exist.`));
      }
      return Promise.resolve(listing ?? '[]');
    }
    if (this.failOn?.test(line)) {
      return Promise.reject(new KernelError('EIPROUTE2', `ip ${line}: Error: Nexthop device is not up.`));
    }
    this.commands.push(line);
    return Promise.resolve('');
  };
}

const vips = [parsePrefix('10.1.0.100/24'), parsePrefix('10.1.0.101/24'), parsePrefix('2001:db8:1::100/64')];

describe('kernel/policy-routing', () => {
  it('uses table and preference 4200+N for carpN, and refuses other names', () => {
    assert.deepEqual(carpRoutingScheme('carp0'), { table: 4200, preference: 4200 });
    assert.deepEqual(carpRoutingScheme('carp17'), { table: 4217, preference: 4217 });
    for (const name of ['eth0', 'carp', 'carp01', 'carp10000', 'carp-1']) {
      assert.throws(() => carpRoutingScheme(name), (e: unknown) => e instanceof KernelError && e.code === 'EINVAL', name);
    }
  });

  it('adds one rule per VIP and one connected route per VIP prefix into an empty table', async () => {
    const ip = new FakeIp();
    const changes = await reconcilePolicyRouting('carp0', vips, ip.run);
    assert.deepEqual(ip.commands, [
      '-4 rule add from 10.1.0.100/32 lookup 4200 pref 4200',
      '-4 rule add from 10.1.0.101/32 lookup 4200 pref 4200',
      '-6 rule add from 2001:db8:1::100/128 lookup 4200 pref 4200',
      '-4 route add 10.1.0.0/24 dev carp0 table 4200 proto static scope link',
      '-6 route add 2001:db8:1::/64 dev carp0 table 4200 proto static',
    ]);
    assert.deepEqual(changes[0], { action: 'added', command: 'ip -4 rule add from 10.1.0.100/32 lookup 4200 pref 4200' });
    assert.equal(changes.length, 5);
  });

  it('changes nothing when the kernel already has exactly that (as `ip -json` lists it)', async () => {
    const ip = new FakeIp();
    ip.listings = {
      '-4 rule': '[{"priority":4200,"src":"10.1.0.100","table":"4200"},{"priority":4200,"src":"10.1.0.101","table":"4200"}]',
      '-6 rule': '[{"priority":4200,"src":"2001:db8:1::100","table":"4200"}]',
      '-4 route': '[{"dst":"10.1.0.0/24","dev":"carp0","protocol":"static","scope":"link","flags":["linkdown"]}]',
      '-6 route': '[{"dst":"2001:db8:1::/64","dev":"carp0","protocol":"static","metric":1024,"flags":[],"pref":"medium"}]',
    };
    assert.deepEqual(await reconcilePolicyRouting('carp0', vips, ip.run), []);
    assert.deepEqual(ip.commands, []);
  });

  it('removes stale rules and routes of the table (and only those), rules first', async () => {
    const ip = new FakeIp();
    ip.listings = {
      '-4 rule':
        '[{"priority":4200,"src":"10.1.0.100","table":"4200"},{"priority":4200,"src":"10.9.0.1","table":"4200"},' +
        '{"priority":4200,"src":"10.1.0.101","table":"4200","iif":"eth1"}]',
      '-4 route':
        '[{"dst":"10.1.0.0/24","dev":"carp0","scope":"link","flags":[]},{"dst":"10.9.0.0/16","dev":"carp0","flags":[]},' +
        '{"dst":"default","gateway":"10.1.0.1","dev":"carp0","flags":[]}]',
    };
    await reconcilePolicyRouting('carp0', vips.slice(0, 2), ip.run);
    assert.deepEqual(ip.commands, [
      '-4 rule del from 10.9.0.1/32 lookup 4200 pref 4200',
      '-4 rule del from 10.1.0.101/32 iif eth1 lookup 4200 pref 4200',
      '-4 route del 10.9.0.0/16 dev carp0 table 4200',
      '-4 route del 0.0.0.0/0 via 10.1.0.1 dev carp0 table 4200',
      '-4 rule add from 10.1.0.101/32 lookup 4200 pref 4200',
    ]);
  });

  it('cleans up everything of the table for a destroyed interface', async () => {
    const ip = new FakeIp();
    ip.listings = { '-6 rule': '[{"priority":4203,"src":"2001:db8::5","table":"4203"}]' };
    const changes = await reconcilePolicyRouting('carp3', [], ip.run);
    assert.deepEqual(changes, [{ action: 'removed', command: 'ip -6 rule del from 2001:db8::5/128 lookup 4203 pref 4203' }]);
  });

  it('reports the changes made before a failing step', async () => {
    const ip = new FakeIp();
    ip.failOn = /route add/;
    const failure = await reconcilePolicyRouting('carp0', vips.slice(0, 1), ip.run).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(failure instanceof IncompleteChangeError);
    assert.match(failure.message, /route add 10\.1\.0\.0\/24 dev carp0 .*Nexthop device is not up/);
    assert.deepEqual(failure.applied, [{ action: 'added', command: 'ip -4 rule add from 10.1.0.100/32 lookup 4200 pref 4200' }]);
  });

  it('refuses bad input before running anything', async () => {
    const ip = new FakeIp();
    const broken = { address: { family: 4 as const, bytes: Buffer.alloc(16) }, prefixLength: 24 };
    await assert.rejects(reconcilePolicyRouting('carp0', [broken], ip.run), /not an IPv4 or IPv6 prefix/);
    await assert.rejects(reconcilePolicyRouting('eth0', vips, ip.run), /carp0 \.\. carp9999/);
    assert.deepEqual(ip.commands, []);
  });

  it('fails with EBADMSG, changing nothing, when `ip -json` prints something it cannot read', async () => {
    const ip = new FakeIp();
    ip.listings = { '-4 route': '[{"dst":"not-an-address","dev":"carp0"}]' };
    await assert.rejects(
      reconcilePolicyRouting('carp0', vips, ip.run),
      (e: unknown) => e instanceof KernelError && e.code === 'EBADMSG',
    );
    ip.listings = { '-6 rule': '{"not":"a list"}' };
    await assert.rejects(reconcilePolicyRouting('carp0', vips, ip.run), /unreadable/);
    assert.deepEqual(ip.commands, []);
  });

  it('reads host routes, default routes and rule source lengths from `ip -json`', () => {
    assert.deepEqual(
      parseIpRoutes('[{"dst":"10.0.0.9","dev":"d0"},{"dst":"default","dev":"d0"}]', 4, 7).map((r) => r.destination),
      ['10.0.0.9/32', '0.0.0.0/0'],
    );
    assert.deepEqual(parseIpRoutes('[{"dst":"2001:db8::/64","dev":"d0","metric":256}]', 6, 7)[0]?.qualifiers, ['metric', '256']);
    assert.equal(parseIpRules('[{"priority":5,"src":"10.9.0.0","srclen":16,"table":"7"}]', 4, 7)[0]?.from, '10.9.0.0/16');
    assert.equal(parseIpRules('[{"priority":5,"src":"all","table":"7"}]', 4, 7)[0]?.from, 'all');
  });
});
