/**
 * `carpctl monitor` against a real carpd (docs/carpctl.8.md MONITOR): spawned carpctl processes
 * follow h2 while h1's carpd dies; each prints the failover as it happens and ends with status 0
 * on SIGINT.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { MonitorEventDto } from '../../src/control/protocol';
import { netnsUnavailableReason } from '../helpers/netns';
import { exited } from '../helpers/poll';
import { CARPCTL, CarpLab } from './carp-lab';

interface Monitor {
  readonly child: ChildProcess;
  lines(): string[];
  stderr(): string;
}

const STAMP = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

describe('netns: carpctl monitor against a real carpd', function () {
  let lab: CarpLab;

  before(async function () {
    const reason = netnsUnavailableReason();
    if (reason) return this.skip();
    lab = await CarpLab.create('mon');
    await lab.startPair('vhid 7 pass secret carpdev eth0');
  });

  after(async () => {
    await lab?.cleanup();
  });

  function monitor(...options: string[]): Monitor {
    const child = lab.net.spawn('h2', process.execPath, [CARPCTL, '--socket', lab.socket('h2'), ...options, 'monitor']);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return { child, lines: () => stdout.split('\n').filter(Boolean), stderr: () => stderr };
  }

  it('prints the failover as it happens, as text and as JSON lines, and exits 0 on SIGINT', async () => {
    const text = monitor();
    const json = monitor('-j');
    // Both are listening once a demotion change reaches them (the BACKUP stays BACKUP).
    await lab.waitFor('both monitors to follow h2', async () => {
      await lab.ctl('h2', '-g', 'carp', 'carpdemote', '1');
      await lab.ctl('h2', '-g', 'carp', '-carpdemote', '1');
      return text.lines().length > 0 && json.lines().length > 0;
    });
    const ready = { text: text.lines().length, json: json.lines().length };
    assert.match(text.lines()[0] ?? '', new RegExp(`^${STAMP} group carp demote (0 -> 1|1 -> 0) \\(set by administrator\\)$`));
    const crash = Date.now();
    await lab.stopDaemon('h1', 'SIGKILL');
    await lab.waitState('h2', 'MASTER');
    await lab.waitFor('the failover on both monitors', () =>
      Promise.resolve(text.lines().length > ready.text && json.lines().some((l) => l.includes('"to":"MASTER"'))),
    );
    const failover = text.lines().slice(ready.text).filter((l) => !l.includes('group carp demote'));
    assert.equal(failover.length, 1, text.lines().join('\n'));
    assert.match(failover[0] ?? '', new RegExp(`^${STAMP} carp0 vhid 7 BACKUP -> MASTER \\(master down timer expired\\)$`));
    const at = Date.parse((failover[0] ?? '').split(' ')[0] ?? '');
    assert.ok(at >= crash && at <= Date.now(), `stamped ${at - crash} ms after the crash`);
    const events = json.lines().map((l) => JSON.parse(l) as MonitorEventDto);
    const takeover = events.find((e) => e.kind === 'state');
    assert.deepEqual(takeover && { ...takeover, time: '' }, {
      kind: 'state',
      time: '',
      ifname: 'carp0',
      vhid: 7,
      from: 'BACKUP',
      to: 'MASTER',
      reason: 'master-down',
      text: 'master down timer expired',
    });
    for (const run of [text, json]) {
      const gone = exited(run.child);
      run.child.kill('SIGINT');
      await gone;
      assert.equal(run.child.exitCode, 0, run.stderr());
      assert.equal(run.stderr(), '');
    }
  });

  it('ends with status 0 when the reader of its output goes away (carpctl monitor | head -n 1)', async () => {
    const command = `'${process.execPath}' '${CARPCTL}' --socket '${lab.socket('h2')}' monitor | head -n 1; echo "carpctl exited \${PIPESTATUS[0]}"`;
    const pipeline = lab.net.spawn('h2', 'bash', ['-c', command]);
    let stdout = '';
    let stderr = '';
    pipeline.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    pipeline.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const gone = exited(pipeline);
    let ended = false;
    void gone.then(() => (ended = true));
    // Demotion changes until head has its line and carpctl, writing the next, finds the pipe closed.
    await lab.waitFor('the pipeline to end', async () => {
      await lab.ctl('h2', '-g', 'carp', 'carpdemote', '1');
      await lab.ctl('h2', '-g', 'carp', '-carpdemote', '1');
      return ended;
    });
    assert.match(stdout, new RegExp(`^${STAMP} group carp demote \\d -> \\d \\(set by administrator\\)\ncarpctl exited 0\n$`));
    assert.equal(stderr, '');
  });
});
