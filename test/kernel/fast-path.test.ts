import assert from 'node:assert/strict';
import { type FastPathSpec, type FastPathTool, filterPreference } from '../../src/kernel/fast-path-commands';
import { FastPath } from '../../src/kernel/fast-path';
import type { FastPathRequests } from '../../src/kernel/fast-path-requests';
import { KernelError } from '../../src/kernel/errors';
import { parseMac } from '../../src/wire/address';

const SPEC: FastPathSpec = { ifname: 'carp0', carpdev: 'eth0', mac: parseMac('00:00:5e:00:01:01') };
const REDIRECT_V4 = `tc filter add dev eth0 ingress pref ${filterPreference(SPEC.mac, 0)}`;
/** carpN's egress redirect goes with the filters on its egress; its clsact qdisc stays. */
const FLUSH_CARP0 = 'tc filter del dev carp0 egress';
/** What carpd does to carp0 the first time it hears of it: the qdisc of a crashed run goes, an empty one comes. */
const RESET_CARP0 = ['tc qdisc del dev carp0 clsact', 'tc qdisc add dev carp0 clsact'];

/** A runner that records every command line and fails those `failing` matches. */
class FakeTools {
  readonly lines: string[] = [];
  failing: (line: string) => boolean = () => false;
  listing = '[]';
  /** While set, the command lines it matches wait for `gate`; `held` says one is waiting. */
  holds: ((line: string) => boolean) | null = null;
  gate: Promise<void> = Promise.resolve();
  held = false;

  /** Each process, as its command line and its input. */
  readonly processes: string[] = [];
  /** A tool that cannot be started, as execFile reports it: ENOENT. */
  missing: FastPathTool | null = null;

  /** A batch (`input`) counts as its lines, each prefixed with the tool. */
  readonly run = async (tool: FastPathTool, args: readonly string[], input?: string): Promise<string> => {
    this.processes.push(`${tool} ${args.join(' ')}`);
    if (tool === this.missing) throw new KernelError('ENOENT', `${tool} ${args.join(' ')}: spawn ${tool} ENOENT`);
    const lines = input === undefined ? [`${tool} ${args.join(' ')}`] : input.trimEnd().split('\n').map((l) => `${tool} ${l}`);
    if (lines.some((l) => this.holds?.(l))) {
      this.held = true;
      await this.gate;
    }
    this.lines.push(...lines);
    const failed = lines.find((l) => this.failing(l));
    if (failed !== undefined) throw new KernelError('EIPROUTE2', `${failed}: Error: nope`);
    return args.includes('-json') ? this.listing : '';
  };

  since(mark: number): string[] {
    return this.lines.slice(mark);
  }
}

/** Stands in for the rtnetlink removal: records each call as it is made, answers `outcome`. */
class FakeRequests implements FastPathRequests {
  readonly calls: string[] = [];
  outcome = true;

  /** The first-sight resets of carpN's clsact qdisc, apart from `calls`. */
  readonly resetCalls: string[] = [];
  resetOutcome = true;

  remove(spec: FastPathSpec): Promise<boolean> {
    this.calls.push(`${spec.ifname} ${spec.carpdev}`);
    return Promise.resolve(this.outcome);
  }

  resetEgress(ifname: string): Promise<boolean> {
    this.resetCalls.push(ifname);
    return Promise.resolve(this.resetOutcome);
  }
}

function setUp(requests: FastPathRequests | null = null): { tools: FakeTools; fastPath: FastPath; active: string[]; failed: string[] } {
  const tools = new FakeTools();
  const active: string[] = [];
  const failed: string[] = [];
  const events = {
    active: (ifname: string, spec: FastPathSpec) => active.push(`${ifname} ${spec.carpdev}`),
    failed: (ifname: string, error: Error) => failed.push(`${ifname}: ${error.message}`),
  };
  const fastPath = new FastPath(tools.run, events, requests);
  return { tools, fastPath, active, failed };
}

describe('kernel/fast-path', () => {
  it('removes the nftables table a crashed carpd may have left, once, when it starts', async () => {
    const { tools, fastPath } = setUp();
    await fastPath.settled();
    assert.deepEqual(tools.lines, ['nft delete table netdev carpd']);
  });

  it('gives carpN a new clsact qdisc the first time it hears of it, and installs nothing for null', async () => {
    const { tools, fastPath, active } = setUp();
    await fastPath.settled();
    const mark = tools.lines.length;
    fastPath.want('carp0', null);
    await fastPath.settled();
    assert.deepEqual(tools.since(mark), RESET_CARP0);
    fastPath.want('carp0', null);
    await fastPath.settled();
    assert.deepEqual(tools.since(mark), RESET_CARP0);
    assert.deepEqual(active, []);
  });

  it('installs, reports active once installed, and removes when asked for none', async () => {
    const { tools, fastPath, active } = setUp();
    fastPath.want('carp0', SPEC);
    await fastPath.settled();
    assert.deepEqual(active, ['carp0 eth0']);
    assert.ok(tools.lines.some((l) => l.startsWith(REDIRECT_V4)));
    const mark = tools.lines.length;
    fastPath.want('carp0', null);
    await fastPath.settled();
    assert.equal(tools.since(mark)[0], FLUSH_CARP0, 'a BACKUP stops sending with the virtual MAC first');
    assert.ok(tools.since(mark).some((l) => l.startsWith('tc filter del dev eth0 ingress pref')));
    assert.equal(tools.since(mark).filter((l) => l.includes(' add ')).length, 0);
    assert.ok(!tools.since(mark).some((l) => l.startsWith('tc qdisc')), 'carpN keeps its clsact qdisc');
  });

  it('installs with three processes: the nftables mark, the tc steps that may fail, and those that may not', async () => {
    const { tools, fastPath } = setUp();
    // What the daemon does when carp1 is configured, long before it becomes MASTER.
    fastPath.useCarpdev('eth0');
    fastPath.want('carp1', null);
    await fastPath.settled();
    const mark = tools.processes.length;
    fastPath.want('carp1', { ...SPEC, ifname: 'carp1' });
    await fastPath.settled();
    assert.deepEqual(tools.processes.slice(mark), ['nft -f -', 'tc -force -batch -', 'tc -batch -']);
  });

  it('gives a carpdev its clsact qdisc once when asked to prepare it, before any install on it', async () => {
    const { tools, fastPath } = setUp();
    await fastPath.settled();
    const mark = tools.lines.length;
    fastPath.prepareCarpdev('eth0');
    fastPath.prepareCarpdev('eth0');
    fastPath.want('carp0', SPEC);
    await fastPath.settled();
    const lines = tools.since(mark);
    assert.equal(lines.filter((l) => l === 'tc qdisc add dev eth0 clsact').length, 2, 'prepared once, and the install`s add in case it went missing');
    assert.equal(lines.indexOf('tc qdisc add dev eth0 clsact'), 0, lines.join('\n'));
  });

  it('asking again for what is installed runs nothing', async () => {
    const { tools, fastPath, active } = setUp();
    fastPath.want('carp0', SPEC);
    await fastPath.settled();
    const mark = tools.lines.length;
    fastPath.want('carp0', { ...SPEC });
    await fastPath.settled();
    assert.deepEqual(tools.since(mark), []);
    assert.deepEqual(active, ['carp0 eth0']);
  });

  it('a new carpdev: removes the old redirect before installing the new one', async () => {
    const { tools, fastPath, active } = setUp();
    fastPath.want('carp0', SPEC);
    await fastPath.settled();
    const mark = tools.lines.length;
    fastPath.want('carp0', { ...SPEC, carpdev: 'eth1' });
    await fastPath.settled();
    const lines = tools.since(mark);
    const removedOld = lines.findIndex((l) => l.startsWith('tc filter del dev eth0 ingress'));
    const addedNew = lines.findIndex((l) => l.startsWith('tc filter add dev eth1 ingress'));
    assert.ok(removedOld >= 0 && addedNew > removedOld, lines.join('\n'));
    assert.deepEqual(active, ['carp0 eth0', 'carp0 eth1']);
  });

  it('a failed install is taken back and reported, never reported active', async () => {
    const { tools, fastPath, active, failed } = setUp();
    tools.failing = (l) => l.startsWith(REDIRECT_V4);
    fastPath.want('carp0', SPEC);
    await fastPath.settled();
    assert.deepEqual(active, []);
    assert.equal(failed.length, 1);
    assert.match(failed[0] as string, /^carp0: tc filter add dev eth0 ingress .*: Error: nope$/);
    const after = tools.lines.slice(tools.lines.findIndex((l) => l.startsWith(REDIRECT_V4)));
    assert.ok(after.includes(FLUSH_CARP0));
    assert.ok(after.includes('nft delete chain netdev carpd in_6361727030'));
  });

  it('a missing tool (nft not installed) is a failure to report, not a crash', async () => {
    const { tools, fastPath, failed } = setUp();
    tools.failing = (l) => l.startsWith('nft');
    fastPath.want('carp0', SPEC);
    await fastPath.settled();
    assert.equal(failed.length, 1);
  });

  it('a tool that is not installed (ENOENT) is reported once and never started again; nothing is reported active', async () => {
    const tools = new FakeTools();
    tools.missing = 'nft';
    const active: string[] = [];
    const failed: string[] = [];
    const fastPath = new FastPath(tools.run, { active: (ifname) => active.push(ifname), failed: (ifname, e) => failed.push(`${ifname}: ${e.message}`) });
    fastPath.want('carp0', SPEC);
    await fastPath.settled();
    fastPath.want('carp1', { ...SPEC, ifname: 'carp1', mac: parseMac('00:00:5e:00:01:02') });
    fastPath.want('carp0', null);
    fastPath.want('carp0', SPEC);
    await fastPath.settled();
    assert.deepEqual(failed, ['carp0: nft not found; no carp interface gets the path until carpd restarts']);
    assert.deepEqual(active, []);
    assert.equal(tools.processes.filter((p) => p.startsWith('nft')).length, 1, 'only the start`s clean-up tried nft');
  });

  it('does not report active when the wish changed while it was installing', async () => {
    const { tools, fastPath, active } = setUp();
    let open = (): void => undefined;
    tools.gate = new Promise((resolve) => (open = resolve));
    tools.holds = (l) => l.startsWith(REDIRECT_V4);
    fastPath.want('carp0', SPEC);
    while (!tools.held) await new Promise((resolve) => setImmediate(resolve));
    fastPath.want('carp0', null);
    tools.holds = null;
    open();
    await fastPath.settled();
    assert.deepEqual(active, []);
    const last = tools.lines.filter((l) => l.includes('dev eth0 ingress pref')).at(-1) as string;
    assert.ok(last.startsWith('tc filter del'), last);
  });

  it('removes our stale redirects on a carpdev before its first install, and leaves other preferences alone', async () => {
    const { tools, fastPath } = setUp();
    tools.listing = JSON.stringify([{ pref: 49152 }, { pref: 50600 }, { pref: 50601 }]);
    fastPath.want('carp0', SPEC);
    await fastPath.settled();
    assert.ok(tools.lines.includes('tc filter del dev eth0 ingress pref 50600'));
    assert.ok(tools.lines.includes('tc filter del dev eth0 ingress pref 50601'));
    assert.ok(!tools.lines.includes('tc filter del dev eth0 ingress pref 49152'));
    const mark = tools.lines.length;
    fastPath.want('carp1', { ifname: 'carp1', carpdev: 'eth0', mac: parseMac('00:00:5e:00:01:02') });
    await fastPath.settled();
    assert.ok(!tools.since(mark).some((l) => l.includes('-json')), 'the carpdev is checked once');
  });

  it('a carpdev in use gets its stale redirects removed even if nothing is ever installed on it', async () => {
    const { tools, fastPath } = setUp();
    tools.listing = JSON.stringify([{ pref: 50514 }]);
    fastPath.useCarpdev('eth0');
    fastPath.useCarpdev('eth0');
    await fastPath.settled();
    assert.equal(tools.lines.filter((l) => l === 'tc filter del dev eth0 ingress pref 50514').length, 1);
  });

  it('close() removes every fast path', async () => {
    const { tools, fastPath } = setUp();
    fastPath.want('carp0', SPEC);
    await fastPath.settled();
    const mark = tools.lines.length;
    await fastPath.close();
    assert.ok(tools.since(mark).includes(`tc filter del dev eth0 ingress pref ${filterPreference(SPEC.mac, 0)}`));
  });

  it('starts an install only when the deferral runs it, and not at all if the wish changed meanwhile', async () => {
    const tools = new FakeTools();
    const deferred: (() => void)[] = [];
    const active: string[] = [];
    const fastPath = new FastPath(tools.run, { active: (ifname) => active.push(ifname), failed: () => undefined }, null, (start) => deferred.push(start));
    fastPath.want('carp0', SPEC);
    await fastPath.settled();
    assert.ok(!tools.lines.some((l) => l.startsWith('nft add')), 'nothing installed before the deferral ran');
    (deferred.shift() as () => void)();
    await fastPath.settled();
    assert.deepEqual(active, ['carp0']);
    const left = tools.lines.length;
    fastPath.want('carp0', null);
    fastPath.want('carp0', SPEC);
    fastPath.want('carp0', null);
    await fastPath.settled();
    assert.equal(tools.since(left)[0], FLUSH_CARP0, 'the tc half goes at once');
    assert.ok(!tools.since(left).some((l) => l.startsWith('nft')), 'the nftables mark waits for the deferral');
    const mark = tools.lines.length;
    for (const start of deferred) start();
    await fastPath.settled();
    assert.ok(!tools.since(mark).some((l) => l.includes(' add ')), 'the deferred install is no longer wanted');
    assert.ok(tools.since(mark).includes('nft delete chain netdev carpd in_6361727030'));
  });

  it('forget() removes the nftables mark without waiting for the deferral', async () => {
    const tools = new FakeTools();
    const deferred: (() => void)[] = [];
    const fastPath = new FastPath(tools.run, { active: () => undefined, failed: () => undefined }, null, (start) => deferred.push(start));
    fastPath.want('carp0', SPEC);
    (deferred.shift() as () => void)();
    await fastPath.settled();
    fastPath.want('carp0', null);
    await fastPath.close();
    assert.ok(tools.lines.includes('nft delete chain netdev carpd in_6361727030'));
  });

  describe('the interfaces of one takeover, installed together', () => {
    const specOf = (n: number): FastPathSpec => ({ ifname: `carp${n}`, carpdev: 'eth0', mac: parseMac(`00:00:5e:00:01:0${n + 1}`) });

    /** carp0..carp{n-1} known and their carpdev checked, as long before a takeover; then all wanted in one turn. */
    async function takeover(tools: FakeTools, fastPath: FastPath, n: number): Promise<number> {
      fastPath.useCarpdev('eth0');
      for (let i = 0; i < n; i++) fastPath.want(`carp${i}`, null);
      await fastPath.settled();
      const mark = tools.processes.length;
      for (let i = 0; i < n; i++) fastPath.want(`carp${i}`, specOf(i));
      return mark;
    }

    it('takes three processes for all of them, each interface in every one, and reports each active', async () => {
      const { tools, fastPath, active } = setUp();
      const mark = await takeover(tools, fastPath, 3);
      await fastPath.settled();
      assert.deepEqual(tools.processes.slice(mark), ['nft -f -', 'tc -force -batch -', 'tc -batch -']);
      assert.deepEqual(active, ['carp0 eth0', 'carp1 eth0', 'carp2 eth0']);
      for (let i = 0; i < 3; i++) {
        assert.ok(tools.lines.some((l) => l.startsWith(`tc filter add dev eth0 ingress pref ${filterPreference(specOf(i).mac, 0)}`)), `carp${i}`);
      }
    });

    /** A takeover of carp0..carp2 whose shared install waits in its second process until `release`. */
    async function heldTakeover(): Promise<ReturnType<typeof setUp> & { requests: FakeRequests; release: () => Promise<void> }> {
      const requests = new FakeRequests();
      const set = setUp(requests);
      const { tools, fastPath } = set;
      let open = (): void => undefined;
      tools.gate = new Promise((resolve) => (open = resolve));
      tools.holds = (l) => l.startsWith('tc qdisc add dev eth0 clsact');
      await takeover(tools, fastPath, 3);
      while (!tools.held) await new Promise((resolve) => setImmediate(resolve));
      const release = async (): Promise<void> => {
        tools.holds = null;
        open();
        await fastPath.settled();
      };
      return { ...set, requests, release };
    }

    it('an interface that leaves meanwhile drops out of the runs to come, loses what it got, and is not reported', async () => {
      const { tools, fastPath, active, requests, release } = await heldTakeover();
      fastPath.want('carp1', null);
      assert.deepEqual(requests.calls, ['carp1 eth0'], 'removed at once, as a single install is');
      await release();
      assert.deepEqual(active, ['carp0 eth0', 'carp2 eth0']);
      assert.ok(!tools.lines.some((l) => l.startsWith('tc filter add dev carp1 egress')), 'no later run held carp1');
      assert.deepEqual(requests.calls, ['carp1 eth0', 'carp1 eth0'], 'what the running process may have added goes again');
      assert.ok(tools.lines.includes('nft delete chain netdev carpd in_6361727031'));
    });

    it('an interface that leaves and comes back meanwhile is installed again in full, after its removal', async () => {
      const { tools, fastPath, active, release } = await heldTakeover();
      fastPath.want('carp1', null);
      fastPath.want('carp1', specOf(1));
      await release();
      assert.deepEqual([...active].sort(), ['carp0 eth0', 'carp1 eth0', 'carp2 eth0']);
      const lastIndex = (prefix: string): number => tools.lines.map((l) => l.startsWith(prefix)).lastIndexOf(true);
      const lastDelete = tools.lines.lastIndexOf('nft delete chain netdev carpd in_6361727031');
      const lastAdd = lastIndex('nft add rule netdev carpd in_6361727031');
      const lastFilter = lastIndex(`tc filter add dev eth0 ingress pref ${filterPreference(specOf(1).mac, 0)}`);
      assert.ok(lastDelete >= 0 && lastAdd > lastDelete && lastFilter > lastDelete, tools.lines.join('\n'));
    });

    it('their leave in one turn removes the three nftables marks with one process', async () => {
      const requests = new FakeRequests();
      const { tools, fastPath } = setUp(requests);
      await takeover(tools, fastPath, 3);
      await fastPath.settled();
      const mark = tools.processes.length;
      for (let i = 0; i < 3; i++) fastPath.want(`carp${i}`, null);
      await fastPath.settled();
      assert.deepEqual(requests.calls, ['carp0 eth0', 'carp1 eth0', 'carp2 eth0']);
      assert.deepEqual(tools.processes.slice(mark), ['nft -f -']);
      for (let i = 0; i < 3; i++) assert.ok(tools.lines.includes(`nft delete chain netdev carpd in_636172703${i}`), `carp${i}`);
    });

    it('a batch of marks that fails (a chain one install never made) removes each mark on its own', async () => {
      const requests = new FakeRequests();
      const { tools, fastPath } = setUp(requests);
      await takeover(tools, fastPath, 3);
      await fastPath.settled();
      tools.failing = (l) => l === 'nft delete chain netdev carpd in_6361727031';
      const mark = tools.lines.length;
      for (let i = 0; i < 3; i++) fastPath.want(`carp${i}`, null);
      await fastPath.settled();
      const lines = tools.since(mark);
      const retried = lines.slice(lines.indexOf('nft delete chain netdev carpd in_6361727031') + 1);
      assert.ok(retried.includes('nft delete chain netdev carpd in_6361727030'), lines.join('\n'));
      assert.ok(retried.includes('nft delete chain netdev carpd in_6361727032'), lines.join('\n'));
    });

    it('without tc: one report for the takeover, and no process started after the one that found it missing', async () => {
      const { tools, fastPath, active, failed } = setUp();
      tools.missing = 'tc';
      await takeover(tools, fastPath, 3);
      await fastPath.settled();
      assert.deepEqual(active, []);
      assert.deepEqual(failed, ['carp0: tc not found; no carp interface gets the path until carpd restarts']);
      const first = tools.processes.findIndex((p) => p.startsWith('tc qdisc') || p.startsWith('tc -'));
      assert.deepEqual(tools.processes.slice(first + 1).filter((p) => p.startsWith('tc')), []);
    });

    it('a failing run sends each interface through an install of its own: the failure is the one interface`s', async () => {
      const { tools, fastPath, active, failed } = setUp();
      tools.failing = (l) => l.startsWith('tc filter add dev carp1 egress');
      const mark = await takeover(tools, fastPath, 3);
      await fastPath.settled();
      assert.deepEqual(active, ['carp0 eth0', 'carp2 eth0']);
      assert.equal(failed.length, 1);
      assert.match(failed[0] as string, /^carp1: tc filter add dev carp1 egress/);
      // The last run together, which failed, then each interface's own: one `tc -batch` each.
      assert.equal(tools.processes.slice(mark).filter((p) => p === 'tc -batch -').length, 1 + 3, tools.processes.slice(mark).join('\n'));
    });
  });

  describe('with the rtnetlink requests', () => {
    it('removes in the call that asks for none, before anything else runs; the queue only removes the nftables mark', async () => {
      const requests = new FakeRequests();
      const { tools, fastPath } = setUp(requests);
      fastPath.want('carp0', SPEC);
      await fastPath.settled();
      const mark = tools.lines.length;
      fastPath.want('carp0', null);
      assert.deepEqual(requests.calls, ['carp0 eth0'], 'removed within want(), not in a later turn');
      await fastPath.settled();
      assert.deepEqual(tools.since(mark), ['nft flush chain netdev carpd in_6361727030', 'nft delete chain netdev carpd in_6361727030']);
    });

    it('falls back to tc when the rtnetlink removal fails', async () => {
      const requests = new FakeRequests();
      const { tools, fastPath } = setUp(requests);
      fastPath.want('carp0', SPEC);
      await fastPath.settled();
      requests.outcome = false;
      const mark = tools.lines.length;
      fastPath.want('carp0', null);
      await fastPath.settled();
      assert.equal(tools.since(mark)[0], FLUSH_CARP0);
      assert.ok(tools.since(mark).includes(`tc filter del dev eth0 ingress pref ${filterPreference(SPEC.mac, 0)}`));
    });

    it('resets carpN`s clsact qdisc by rtnetlink the first time it hears of it, running no process', async () => {
      const requests = new FakeRequests();
      const { tools, fastPath } = setUp(requests);
      await fastPath.settled();
      const mark = tools.processes.length;
      fastPath.want('carp0', null);
      fastPath.want('carp1', null);
      fastPath.want('carp0', null);
      await fastPath.settled();
      assert.deepEqual(requests.resetCalls, ['carp0', 'carp1']);
      assert.deepEqual(tools.processes.slice(mark), []);
    });

    it('resets carpN`s clsact qdisc with tc when the kernel refuses the request', async () => {
      const requests = new FakeRequests();
      requests.resetOutcome = false;
      const { tools, fastPath } = setUp(requests);
      await fastPath.settled();
      const mark = tools.lines.length;
      fastPath.want('carp0', null);
      await fastPath.settled();
      assert.deepEqual(tools.since(mark), RESET_CARP0);
    });

    it('removes nothing when nothing was installed', async () => {
      const requests = new FakeRequests();
      const { fastPath } = setUp(requests);
      fastPath.want('carp0', null);
      fastPath.want('carp1', null);
      await fastPath.settled();
      assert.deepEqual(requests.calls, []);
    });

    it('a new carpdev: the old one`s redirect goes at once, the new one is installed in the queue', async () => {
      const requests = new FakeRequests();
      const { fastPath, active } = setUp(requests);
      fastPath.want('carp0', SPEC);
      await fastPath.settled();
      fastPath.want('carp0', { ...SPEC, carpdev: 'eth1' });
      assert.deepEqual(requests.calls, ['carp0 eth0']);
      await fastPath.settled();
      assert.deepEqual(active, ['carp0 eth0', 'carp0 eth1']);
    });

    it('an install under way is removed at once, stops at its next command and is never reported active', async () => {
      const requests = new FakeRequests();
      const { tools, fastPath, active } = setUp(requests);
      let open = (): void => undefined;
      tools.gate = new Promise((resolve) => (open = resolve));
      tools.holds = (l) => l.startsWith('tc qdisc add dev eth0 clsact');
      fastPath.want('carp0', SPEC);
      while (!tools.held) await new Promise((resolve) => setImmediate(resolve));
      fastPath.want('carp0', null);
      assert.deepEqual(requests.calls, ['carp0 eth0']);
      tools.holds = null;
      open();
      await fastPath.settled();
      assert.deepEqual(active, []);
      assert.ok(!tools.lines.some((l) => l.startsWith('tc filter add')), 'no command after the one running when the wish changed');
      // What was running may have added to the carpdev after the first removal: removed again.
      assert.deepEqual(requests.calls, ['carp0 eth0', 'carp0 eth0']);
    });

    it('leaving and coming back in one turn: removed at once, installed again in the queue', async () => {
      const requests = new FakeRequests();
      const { fastPath, active } = setUp(requests);
      fastPath.want('carp0', SPEC);
      await fastPath.settled();
      fastPath.want('carp0', null);
      fastPath.want('carp0', SPEC);
      await fastPath.settled();
      assert.deepEqual(requests.calls, ['carp0 eth0']);
      assert.deepEqual(active, ['carp0 eth0', 'carp0 eth0']);
    });
  });
});
