import assert from 'node:assert/strict';
import { parsePrefix } from '../../src/wire/address';
import { IncompleteChangeError, KernelError } from '../../src/kernel/errors';
import { type IpResult, type IpRunner, reconcilePolicyRouting, reconcilePolicyRoutingOf } from '../../src/kernel/policy-routing';
import { carpRoutingScheme, parseBatchFailures, parseIpRoutes, parseIpRules } from '../../src/kernel/policy-routing-plan';

/**
 * Answers `ip -json ... show` from canned JSON (of every table, as `ip` lists them) and runs
 * `ip -force -batch -` by recording its lines, failing those that match `failOn` the way ip does.
 */
class FakeIp {
  /** One entry per `ip` process: its arguments, and its input lines for a batch. */
  readonly processes: { args: string; lines: string[] }[] = [];
  listings: Record<string, string> = {};
  failOn: RegExp | null = null;
  listingFails = false;
  batchCannotRun = false;

  /** Every batch line run, prefixed with its family: "-4 rule add ...". */
  get commands(): string[] {
    return this.processes.flatMap((p) => p.lines.filter((l) => !this.failOn?.test(l)).map((l) => `${p.args.split(' ')[0]} ${l}`));
  }

  readonly run: IpRunner = (args, input = '') => {
    const lines = input.split('\n').filter((l) => l !== '');
    this.processes.push({ args: args.join(' '), lines });
    if (args[0] === '-json') {
      if (this.listingFails) return Promise.resolve(this.result('', 'Cannot open netlink socket: Permission denied', 1));
      const key = `${args.find((a) => a === '-4' || a === '-6')} ${args.includes('rule') ? 'rule' : 'route'}`;
      return Promise.resolve(this.result(this.listings[key] ?? '[]', '', 0));
    }
    if (this.batchCannotRun) return Promise.reject(new KernelError('ETIMEDOUT', `ip ${args.join(' ')}: killed`));
    const stderr = lines
      .map((line, i) => (this.failOn?.test(line) ? `Cannot find device "carp9"\nCommand failed -:${i + 1}\n` : ''))
      .join('');
    return Promise.resolve(this.result('', stderr, stderr ? 1 : 0));
  };

  private result(stdout: string, stderr: string, status: number): IpResult {
    return { stdout, stderr, status };
  }
}

const vips = [parsePrefix('10.1.0.100/24'), parsePrefix('10.1.0.101/24'), parsePrefix('2001:db8:1::100/64')];

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
}

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
      '-4 route add 10.1.0.0/24 dev carp0 table 4200 proto static scope link',
      '-6 rule add from 2001:db8:1::100/128 lookup 4200 pref 4200',
      '-6 route add 2001:db8:1::/64 dev carp0 table 4200 proto static',
    ]);
    assert.deepEqual(changes[0], { action: 'added', command: 'ip -4 rule add from 10.1.0.100/32 lookup 4200 pref 4200' });
    assert.equal(changes.length, 5);
  });

  it('lists only static routes, every table at once, so that the kernel does not send a large main table', async () => {
    const ip = new FakeIp();
    await reconcilePolicyRouting('carp0', vips, ip.run);
    const listings = ip.processes.filter((p) => p.args.startsWith('-json')).map((p) => p.args);
    assert.deepEqual(listings.sort(), [
      '-json -4 route show table all proto static',
      '-json -6 route show table all proto static',
      '-json -N -4 rule show',
      '-json -N -6 rule show',
    ]);
  });

  it('changes nothing when the kernel already has exactly that (as `ip -json` lists it), whatever the other tables hold', async () => {
    const ip = new FakeIp();
    ip.listings = {
      '-4 rule':
        '[{"priority":0,"src":"all","table":"255"},{"priority":4200,"src":"10.1.0.100","table":"4200"},' +
        '{"priority":4200,"src":"10.1.0.101","table":"4200"},{"priority":4201,"src":"10.7.0.1","table":"4201"},' +
        '{"priority":32766,"src":"all","table":"254"}]',
      '-6 rule': '[{"priority":4200,"src":"2001:db8:1::100","table":"4200"}]',
      '-4 route':
        '[{"dst":"10.1.0.0/24","dev":"carp0","table":"4200","scope":"link","flags":["linkdown"]},' +
        '{"dst":"10.7.0.0/24","dev":"carp1","table":"4201","scope":"link","flags":[]},{"dst":"192.0.2.0/24","gateway":"10.0.0.1","dev":"eth0","flags":[]}]',
      '-6 route': '[{"dst":"2001:db8:1::/64","dev":"carp0","table":"4200","metric":1024,"flags":[],"pref":"medium"}]',
    };
    assert.deepEqual(await reconcilePolicyRouting('carp0', vips, ip.run), []);
    assert.deepEqual(ip.commands, []);
    assert.equal(ip.processes.length, 4, 'the listings only: no batch without changes');
  });

  it('removes stale rules and routes of the table (and only those), rules first', async () => {
    const ip = new FakeIp();
    ip.listings = {
      '-4 rule':
        '[{"priority":4200,"src":"10.1.0.100","table":"4200"},{"priority":4200,"src":"10.9.0.1","table":"4200"},' +
        '{"priority":4200,"src":"10.1.0.101","table":"4200","iif":"eth1"},{"priority":100,"src":"10.9.0.1","table":"100"}]',
      '-4 route':
        '[{"dst":"10.1.0.0/24","dev":"carp0","table":"4200","scope":"link","flags":[]},{"dst":"10.9.0.0/16","dev":"carp0","table":"4200","flags":[]},' +
        '{"dst":"default","gateway":"10.1.0.1","dev":"carp0","table":"4200","flags":[]},{"dst":"10.9.0.0/16","dev":"eth0","flags":[]},' +
        '{"type":"blackhole","dst":"10.1.0.0/24","table":"4200","flags":[]}]',
    };
    await reconcilePolicyRouting('carp0', vips.slice(0, 2), ip.run);
    assert.deepEqual(ip.commands, [
      '-4 rule del from 10.9.0.1/32 lookup 4200 pref 4200',
      '-4 rule del from 10.1.0.101/32 iif eth1 lookup 4200 pref 4200',
      '-4 route del 10.9.0.0/16 dev carp0 table 4200',
      '-4 route del 0.0.0.0/0 via 10.1.0.1 dev carp0 table 4200',
      '-4 route del blackhole 10.1.0.0/24 table 4200',
      '-4 rule add from 10.1.0.101/32 lookup 4200 pref 4200',
    ]);
  });

  it('cleans up everything of the table for a destroyed interface', async () => {
    const ip = new FakeIp();
    ip.listings = { '-6 rule': '[{"priority":4203,"src":"2001:db8::5","table":"4203"}]' };
    const changes = await reconcilePolicyRouting('carp3', [], ip.run);
    assert.deepEqual(changes, [{ action: 'removed', command: 'ip -6 rule del from 2001:db8::5/128 lookup 4203 pref 4203' }]);
  });

  it('reconciles many interfaces with four listings and one batch per family, whatever their number', async () => {
    const ip = new FakeIp();
    const wanted = new Map(
      Array.from({ length: 100 }, (_, n) => [`carp${n}`, [parsePrefix(`10.2.${n}.1/24`), parsePrefix(`2001:db8:${n}::1/64`)]] as const),
    );
    const outcomes = await reconcilePolicyRoutingOf(wanted, ip.run);
    assert.equal(ip.processes.length, 6);
    assert.deepEqual(
      ip.processes.filter((p) => p.lines.length > 0).map((p) => [p.args, p.lines.length]),
      [
        ['-4 -force -batch -', 200],
        ['-6 -force -batch -', 200],
      ],
    );
    assert.deepEqual(outcomes.get('carp42'), {
      changes: [
        { action: 'added', command: 'ip -4 rule add from 10.2.42.1/32 lookup 4242 pref 4242' },
        { action: 'added', command: 'ip -6 rule add from 2001:db8:42::1/128 lookup 4242 pref 4242' },
        { action: 'added', command: 'ip -4 route add 10.2.42.0/24 dev carp42 table 4242 proto static scope link' },
        { action: 'added', command: 'ip -6 route add 2001:db8:42::/64 dev carp42 table 4242 proto static' },
      ],
      error: null,
    });
  });

  it("names the interface and the command of a failed step, keeps the other interfaces' changes, and tries the rest", async () => {
    const ip = new FakeIp();
    ip.failOn = /route add 10\.2\.1\.0\/24/;
    const wanted = new Map([0, 1, 2].map((n) => [`carp${n}`, [parsePrefix(`10.2.${n}.1/24`)]] as const));
    const outcomes = await reconcilePolicyRoutingOf(wanted, ip.run);
    for (const ok of ['carp0', 'carp2']) {
      assert.equal(outcomes.get(ok)?.error, null);
      assert.equal(outcomes.get(ok)?.changes.length, 2);
    }
    const failed = outcomes.get('carp1');
    assert.ok(failed?.error instanceof IncompleteChangeError);
    assert.equal(failed.error.message, 'ip -4 route add 10.2.1.0/24 dev carp1 table 4201 proto static scope link: Cannot find device "carp9"');
    assert.deepEqual(failed.error.applied, [{ action: 'added', command: 'ip -4 rule add from 10.2.1.1/32 lookup 4201 pref 4201' }]);
    assert.deepEqual(failed.changes, failed.error.applied);
    assert.ok(ip.commands.includes('-4 route add 10.2.2.0/24 dev carp2 table 4202 proto static scope link'));
  });

  it('reports the changes that took effect around a failing step', async () => {
    const ip = new FakeIp();
    ip.failOn = /rule add from 10\.1\.0\.100/;
    const failure = await failureOf(reconcilePolicyRouting('carp0', vips.slice(0, 1), ip.run));
    assert.ok(failure instanceof IncompleteChangeError);
    assert.match(failure.message, /^ip -4 rule add from 10\.1\.0\.100\/32 lookup 4200 pref 4200: Cannot find device/);
    assert.deepEqual(failure.applied, [{ action: 'added', command: 'ip -4 route add 10.1.0.0/24 dev carp0 table 4200 proto static scope link' }]);
  });

  it('fails every step of a batch that ip could not finish, naming each command', async () => {
    const ip = new FakeIp();
    ip.batchCannotRun = true;
    const failure = await failureOf(reconcilePolicyRouting('carp0', vips.slice(0, 1), ip.run));
    assert.ok(failure instanceof IncompleteChangeError && failure.code === 'ETIMEDOUT');
    assert.deepEqual(failure.applied, []);
    assert.match(failure.message, /^ip -4 rule add from 10\.1\.0\.100\/32 .*killed; ip -4 route add 10\.1\.0\.0\/24 .*killed$/);
  });

  it('fails every interface, changing nothing, when a listing fails', async () => {
    const ip = new FakeIp();
    ip.listingFails = true;
    const outcomes = await reconcilePolicyRoutingOf(new Map([['carp0', vips], ['carp1', []]]), ip.run);
    for (const ifname of ['carp0', 'carp1']) {
      assert.match(String(outcomes.get(ifname)?.error?.message), /^ip -json .* show.*: Cannot open netlink socket: Permission denied$/);
    }
    assert.deepEqual(ip.commands, []);
  });

  it('refuses bad input before running anything, and only for the interface it belongs to', async () => {
    const ip = new FakeIp();
    const broken = { address: { family: 4 as const, bytes: Buffer.alloc(16) }, prefixLength: 24 };
    await assert.rejects(reconcilePolicyRouting('carp0', [broken], ip.run), /not an IPv4 or IPv6 prefix/);
    await assert.rejects(reconcilePolicyRouting('eth0', vips, ip.run), /carp0 \.\. carp9999/);
    assert.deepEqual(ip.processes, []);
    const outcomes = await reconcilePolicyRoutingOf(new Map([['eth0', vips], ['carp1', vips.slice(0, 1)]]), ip.run);
    assert.equal(outcomes.get('eth0')?.error?.code, 'EINVAL');
    assert.equal(outcomes.get('carp1')?.changes.length, 2);
  });

  it('fails with EBADMSG, changing nothing, when `ip -json` prints something it cannot read', async () => {
    const ip = new FakeIp();
    ip.listings = { '-4 route': '[{"dst":"not-an-address","dev":"carp0","table":"4200"}]' };
    await assert.rejects(
      reconcilePolicyRouting('carp0', vips, ip.run),
      (e: unknown) => e instanceof KernelError && e.code === 'EBADMSG',
    );
    ip.listings = { '-6 rule': '{"not":"a list"}' };
    await assert.rejects(reconcilePolicyRouting('carp0', vips, ip.run), /unreadable/);
    assert.deepEqual(ip.commands, []);
  });

  it('reads host routes, default routes, tables and rule source lengths from `ip -json`', () => {
    const table7 = new Set([7]);
    assert.deepEqual(
      parseIpRoutes('[{"dst":"10.0.0.9","dev":"d0","table":"7"},{"dst":"default","dev":"d0","table":"7"}]', 4, table7).map((r) => r.destination),
      ['10.0.0.9/32', '0.0.0.0/0'],
    );
    assert.deepEqual(parseIpRoutes('[{"dst":"2001:db8::/64","dev":"d0","metric":256,"table":"7"}]', 6, table7)[0]?.qualifiers, ['metric', '256']);
    assert.deepEqual(
      parseIpRoutes('[{"dst":"10.0.0.0/8","dev":"d0"},{"dst":"10.0.0.0/8","dev":"d0","table":"local"},{"dst":"10.0.0.0/8","dev":"d0","table":"8"}]', 4, table7),
      [],
      'the main table (no table), a named table and another table',
    );
    assert.equal(parseIpRules('[{"priority":5,"src":"10.9.0.0","srclen":16,"table":"7"}]', 4, table7)[0]?.from, '10.9.0.0/16');
    assert.equal(parseIpRules('[{"priority":5,"src":"all","table":"7"}]', 4, table7)[0]?.from, 'all');
    assert.deepEqual(parseIpRules('[{"priority":5,"src":"all","table":"254"},{"priority":6,"src":"all","table":"70"}]', 4, table7), []);
  });

  it('reads which lines of an `ip -force -batch` failed, and why', () => {
    const stderr = 'Cannot find device "nope"\nCommand failed -:2\nRTNETLINK answers: File exists\nCommand failed -:4\n';
    assert.deepEqual(
      [...parseBatchFailures(stderr)],
      [
        [2, 'Cannot find device "nope"'],
        [4, 'RTNETLINK answers: File exists'],
      ],
    );
    assert.deepEqual([...parseBatchFailures('')], []);
  });
});
