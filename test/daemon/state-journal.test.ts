import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOURNAL_FILE, StateJournal, mayResume } from '../../src/daemon/state-journal';
import { Scheduler } from '../fakes/scheduler';

describe('daemon/state-journal', () => {
  let dir: string;
  let scheduler: Scheduler;
  let errors: unknown[];
  const journal = (): StateJournal => new StateJournal(dir, scheduler.timers, (e) => void errors.push(e));

  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'carp-journal-')), 'run');
    scheduler = new Scheduler();
    errors = [];
  });

  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('keeps the last advertisement of each MASTER node for the next carpd, in its runtime directory', async () => {
    const first = journal();
    first.advertised('carp0', 1, 1000);
    first.advertised('carp0', 2, 1100);
    first.advertised('carp0', 1, 2000);
    first.left('carp0', 2);
    await scheduler.advance(300);
    assert.deepEqual(journal().load(), [{ ifname: 'carp0', vhid: 1, lastAdvertisement: 2000 }]);
    assert.deepEqual(errors, []);
  });

  it('writes at most once per interval, and everything pending on flush', async () => {
    const j = journal();
    j.advertised('carp0', 1, 1000);
    assert.deepEqual(journal().load(), [], 'not yet written');
    j.advertised('carp0', 1, 1050);
    j.flush();
    assert.deepEqual(journal().load(), [{ ifname: 'carp0', vhid: 1, lastAdvertisement: 1050 }]);
    await scheduler.advance(1000);
    assert.equal((JSON.parse(await readFile(join(dir, JOURNAL_FILE), 'utf8')) as { version: number }).version, 1);
  });

  it('writes a change of the MASTERs within 200 ms, and newer advertisement times of the same MASTERs only within a second', async () => {
    const j = journal();
    const written = (): unknown => journal().load();
    j.advertised('carp0', 1, 1000);
    await scheduler.advance(200);
    assert.deepEqual(written(), [{ ifname: 'carp0', vhid: 1, lastAdvertisement: 1000 }]);
    j.advertised('carp0', 1, 2000);
    await scheduler.advance(999);
    assert.deepEqual(written(), [{ ifname: 'carp0', vhid: 1, lastAdvertisement: 1000 }], 'a refresh waits');
    await scheduler.advance(1);
    assert.deepEqual(written(), [{ ifname: 'carp0', vhid: 1, lastAdvertisement: 2000 }]);
    j.advertised('carp0', 1, 3000);
    await scheduler.advance(100);
    j.left('carp0', 1);
    await scheduler.advance(200);
    assert.deepEqual(written(), [], 'a node leaving brings the pending refresh forward');
  });

  it('reads a missing journal as empty, and a corrupt one as empty with the reason reported', async () => {
    assert.deepEqual(journal().load(), []);
    assert.deepEqual(errors, []);
    journal().flush();
    await writeFile(join(dir, JOURNAL_FILE), '{"version":1,"masters":[{"ifname":"carp0"},{"ifname":"carp1","vhid":3,"lastAdvertisement":5}]}');
    assert.deepEqual(journal().load(), [{ ifname: 'carp1', vhid: 3, lastAdvertisement: 5 }], 'malformed entries are skipped');
    await writeFile(join(dir, JOURNAL_FILE), 'not json');
    assert.deepEqual(journal().load(), []);
    assert.equal(errors.length, 1);
  });

  it('lets a node resume only while no peer can have timed out (3 x advbase, less half an advbase)', () => {
    assert.equal(mayResume(1000, 3400, 1), true);
    assert.equal(mayResume(1000, 3500, 1), false);
    assert.equal(mayResume(1000, 13_000, 5), true);
    assert.equal(mayResume(1000, 13_500, 5), false);
    assert.equal(mayResume(1000, 1000, 0), false, 'advbase 0: sub-second peers, never');
    assert.equal(mayResume(5000, 1000, 1), false, 'a time from before boot is not trusted');
  });
});
