import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAINTENANCE_FILE, MaintenanceStore, StateFileError } from '../../src/daemon/maintenance-store';

describe('daemon/maintenance-store', () => {
  let dir = '';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'carp-maintenance-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('no file (or no directory) means off, without a problem', () => {
    assert.deepEqual(new MaintenanceStore(join(dir, 'none')).load(), { on: false, problem: null });
  });

  it('reads back what it wrote, creating the directory, and leaves no temporary file', async () => {
    const store = new MaintenanceStore(join(dir, 'state'));
    store.save(true);
    assert.deepEqual(store.load(), { on: true, problem: null });
    store.save(false);
    assert.deepEqual(store.load(), { on: false, problem: null });
    assert.deepEqual(await readdir(join(dir, 'state')), [MAINTENANCE_FILE]);
    assert.equal(await readFile(store.path, 'utf8'), '{"version":1,"maintenance":false}\n');
  });

  it('takes a file it cannot understand or read as on, saying why', async () => {
    const store = new MaintenanceStore(dir);
    for (const text of ['{"version":1,"maint', '{"version":2,"maintenance":false}', '{"version":1,"maintenance":"no"}', 'null', '']) {
      await writeFile(store.path, text);
      assert.deepEqual(store.load(), { on: true, problem: 'is not a version 1 maintenance file' }, text);
    }
    await rm(store.path);
    await mkdir(store.path);
    const load = store.load();
    assert.equal(load.on, true);
    assert.match(load.problem ?? '', /^cannot be read: EISDIR/);
  });

  it('a failed write throws StateFileError and leaves the old file as it was', async () => {
    const store = new MaintenanceStore(dir);
    store.save(true);
    // A directory in the way of the temporary file: the write fails before the rename.
    await mkdir(`${store.path}.new`);
    assert.throws(() => store.save(false), (e: unknown) => e instanceof StateFileError && e.code === 'state-file' && /cannot write .*maintenance\.json: /.test(e.message));
    assert.deepEqual(store.load(), { on: true, problem: null });
  });

  it('removes its temporary file when the rename fails', async () => {
    const store = new MaintenanceStore(dir);
    await mkdir(join(store.path, 'x'), { recursive: true });
    assert.throws(() => store.save(true), StateFileError);
    assert.deepEqual(await readdir(dir), [MAINTENANCE_FILE]);
  });
});
