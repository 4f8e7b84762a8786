/**
 * `carpctl carpN explain` in-process (docs/carpctl.8.md EXPLAIN): our values, the peers heard with
 * their ages, the timer left and the rule, from carpd on fake time.
 */
import assert from 'node:assert/strict';
import type { ExplanationDto, NodeExplanationDto } from '../../src/control/protocol';
import type { DaemonLab } from './lab';
import { pairLab } from './scenarios';

async function explain(lab: DaemonLab, n: number): Promise<ExplanationDto> {
  return (JSON.parse(await lab.ok(n, '-j', 'carp0', 'explain')) as { explanation: ExplanationDto }).explanation;
}

function onlyNode(explanation: ExplanationDto): NodeExplanationDto {
  const [node] = explanation.nodes;
  assert.ok(node !== undefined && explanation.nodes.length === 1);
  return node;
}

/** Tenths of a second, as integers, so that differences compare exactly. */
const tenths = (seconds: number): number => Math.round(seconds * 10);

describe('carpd in-process: carpctl carpN explain', () => {
  let lab: DaemonLab;

  afterEach(async () => {
    await lab.close();
  });

  it('explains a BACKUP: the master heard, its age and the master-down time left, from the fake clock', async () => {
    lab = await pairLab(true);
    // The master stops advertising: its last advertisement ages while master-down runs out.
    lab.freeze(1);
    await lab.advance(1000);
    const first = await explain(lab, 2);
    await lab.advance(1500);
    const second = await explain(lab, 2);
    assert.deepEqual({ ...second, nodes: [] }, { name: 'carp0', advbase: 1, demote: 0, preempt: false, carppeers: [], nodes: [] });
    const before = onlyNode(first);
    const node = onlyNode(second);
    assert.equal(node.state, 'BACKUP');
    assert.equal(node.advskew, 100);
    assert.equal(node.effectiveAdvskew, 100);
    assert.equal(node.peers.length, 1);
    const [peer] = node.peers;
    assert.deepEqual({ ...peer, secondsAgo: 0 }, { source: '10.77.0.1', advbase: 1, advskew: 0, demote: 0, secondsAgo: 0 });
    assert.equal(tenths(peer?.secondsAgo ?? 0) - tenths(before.peers[0]?.secondsAgo ?? 0), 15);
    assert.equal(node.timer?.kind, 'master-down');
    assert.equal(tenths(before.timer?.secondsLeft ?? 0) - tenths(node.timer?.secondsLeft ?? 0), 15);
    // Master-down is 3 * advbase + advskew/256 s = 3.39 s after the last advertisement.
    assert.ok(Math.abs(tenths(peer?.secondsAgo ?? 0) + tenths(node.timer?.secondsLeft ?? 0) - 34) <= 1, JSON.stringify(node));
    assert.equal(node.rule, 'BACKUP: the master at 10.77.0.1 advertises advbase 1 advskew 0, better than ours (advbase 1 advskew 100)');
    assert.equal(node.lastTransition?.reason, 'ready');
  });

  it('explains a MASTER: the next advertisement and that nothing better was heard', async () => {
    lab = await pairLab(true);
    const node = onlyNode(await explain(lab, 1));
    assert.equal(node.state, 'MASTER');
    assert.deepEqual(node.peers, []);
    assert.equal(node.timer?.kind, 'advertise');
    assert.ok((node.timer?.secondsLeft ?? -1) >= 0 && (node.timer?.secondsLeft ?? 2) <= 1, JSON.stringify(node.timer));
    assert.equal(node.rule, 'MASTER (master down timer expired): no advertisement heard since');
  });

  it('names preempt off when a BACKUP follows a worse master, and the demote count when a less demoted one', async () => {
    lab = await pairLab(true);
    // The MASTER turns worse than the BACKUP: without preempt, the BACKUP stays.
    await lab.ok(1, 'carp0', 'advskew', '200');
    // Its next advertisement: advbase + 200/256 s.
    await lab.advance(2000);
    assert.equal(lab.state(2), 'BACKUP');
    assert.equal(
      onlyNode(await explain(lab, 2)).rule,
      'BACKUP: the master at 10.77.0.1 advertises advbase 1 advskew 200, worse than ours (advbase 1 advskew 100), but preempt is off: a BACKUP waits for the master to go',
    );
    await lab.ok(2, 'sysctl', 'net.inet.carp.preempt=1');
    await lab.until(() => lab.state(2) === 'MASTER' && lab.state(1) === 'BACKUP', 5000);
    await lab.ok(2, '-g', 'carp', 'carpdemote', '2');
    await lab.until(() => lab.state(1) === 'MASTER' && lab.state(2) === 'BACKUP', 5000);
    await lab.advance(1500);
    const demoted = await explain(lab, 2);
    assert.equal(demoted.demote, 2);
    assert.equal(demoted.preempt, true);
    assert.equal(onlyNode(demoted).rule, 'BACKUP: the master at 10.77.0.1 is less demoted (demote 0, ours 2)');
  });

  it('prints the same as text, one block per vhid', async () => {
    lab = await pairLab(true);
    const json = await explain(lab, 2);
    const text = await lab.ok(2, 'carp0', 'explain');
    const node = onlyNode(json);
    const peer = node.peers[0];
    assert.equal(
      text,
      [
        'carp0: advbase 1 demote 0 preempt off',
        `\tvhid 1 BACKUP advskew 100 for ${node.lastTransition?.secondsAgo} s (interface up, configured and carpdev running)`,
        `\t\tpeer 10.77.0.1 advbase 1 advskew 0 demote 0, heard ${peer?.secondsAgo} s ago`,
        `\t\tmaster down in ${node.timer?.secondsLeft} s`,
        '\t\tBACKUP: the master at 10.77.0.1 advertises advbase 1 advskew 0, better than ours (advbase 1 advskew 100)',
        '',
      ].join('\n'),
    );
  });

  it('refuses an interface that does not exist, and words after explain', async () => {
    lab = await pairLab(false);
    const missing = await lab.carpctl(1, 'carp7', 'explain');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /carp7: no such interface/);
    const extra = await lab.carpctl(1, 'carp0', 'explain', 'now');
    assert.equal(extra.status, 1);
    assert.equal(extra.stderr, 'carpctl: explain takes no other words: carpctl carpN explain\n');
  });
});
