import assert from 'node:assert/strict';
import { type FastPathSpec, type FastPathTool, filterPreference } from '../../src/kernel/fast-path-commands';
import { FastPath } from '../../src/kernel/fast-path';
import { KernelError } from '../../src/kernel/errors';
import { parseMac } from '../../src/wire/address';

const SPEC: FastPathSpec = { ifname: 'carp0', carpdev: 'eth0', mac: parseMac('00:00:5e:00:01:01') };
const REDIRECT_V4 = `tc filter add dev eth0 ingress pref ${filterPreference(SPEC.mac, 0)}`;

/** A runner that records every command line and fails those `failing` matches. */
class FakeTools {
  readonly lines: string[] = [];
  failing: (line: string) => boolean = () => false;
  listing = '[]';
  /** While set, the command lines it matches wait for `gate`; `held` says one is waiting. */
  holds: ((line: string) => boolean) | null = null;
  gate: Promise<void> = Promise.resolve();
  held = false;

  readonly run = async (tool: FastPathTool, args: readonly string[]): Promise<string> => {
    const line = `${tool} ${args.join(' ')}`;
    if (this.holds?.(line)) {
      this.held = true;
      await this.gate;
    }
    this.lines.push(line);
    if (this.failing(line)) throw new KernelError('EIPROUTE2', `${line}: Error: nope`);
    return args.includes('-json') ? this.listing : '';
  };

  since(mark: number): string[] {
    return this.lines.slice(mark);
  }
}

function setUp(): { tools: FakeTools; fastPath: FastPath; active: string[]; failed: string[] } {
  const tools = new FakeTools();
  const active: string[] = [];
  const failed: string[] = [];
  const fastPath = new FastPath(tools.run, {
    active: (ifname, spec) => active.push(`${ifname} ${spec.carpdev}`),
    failed: (ifname, error) => failed.push(`${ifname}: ${error.message}`),
  });
  return { tools, fastPath, active, failed };
}

describe('kernel/fast-path', () => {
  it('removes the nftables table a crashed carpd may have left, once, when it starts', async () => {
    const { tools, fastPath } = setUp();
    await fastPath.settled();
    assert.deepEqual(tools.lines, ['nft delete table netdev carpd']);
  });

  it('clears carpN of a crashed run the first time it hears of it, and installs nothing for null', async () => {
    const { tools, fastPath, active } = setUp();
    await fastPath.settled();
    const mark = tools.lines.length;
    fastPath.want('carp0', null);
    await fastPath.settled();
    assert.deepEqual(tools.since(mark), ['tc qdisc del dev carp0 clsact']);
    fastPath.want('carp0', null);
    await fastPath.settled();
    assert.deepEqual(tools.since(mark), ['tc qdisc del dev carp0 clsact']);
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
    assert.equal(tools.since(mark)[0], 'tc qdisc del dev carp0 clsact', 'a BACKUP stops sending with the virtual MAC first');
    assert.ok(tools.since(mark).some((l) => l.startsWith('tc filter del dev eth0 ingress pref')));
    assert.equal(tools.since(mark).filter((l) => l.includes(' add ')).length, 0);
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
    assert.ok(after.includes('tc qdisc del dev carp0 clsact'));
    assert.ok(after.includes('nft delete chain netdev carpd in_6361727030'));
  });

  it('a missing tool (nft not installed) is a failure to report, not a crash', async () => {
    const { tools, fastPath, failed } = setUp();
    tools.failing = (l) => l.startsWith('nft');
    fastPath.want('carp0', SPEC);
    await fastPath.settled();
    assert.equal(failed.length, 1);
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
});
