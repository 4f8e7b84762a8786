import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capturedIfindexes, readCapturedIfindexes } from '../../src/kernel/packet-captures';

/** /proc/net/packet as a 6.x kernel prints it: tcpdump on ifindex 7 and on any, a relay socket and a DHCP client on 2, one stopped. */
const TABLE = [
  'sk               RefCnt Type Proto  Iface R Rmem   User   Inode',
  '0000000000000000 3      3    0003   7     1 0      0      81234',
  '0000000000000000 3      3    0003   0     1 0      0      81240',
  '0000000000000000 3      3    0003   2     1 0      0      70001',
  '0000000000000000 3      2    0800   2     1 0      0      70002',
  '0000000000000000 3      3    0003   9     0 0      0      70003',
  '',
].join('\n');

describe('kernel/packet-captures', () => {
  it('names the interfaces that running ETH_P_ALL sockets are bound to', () => {
    assert.deepEqual([...capturedIfindexes(TABLE)].sort(), [2, 7]);
  });

  it('finds nothing in a table with only its header, or in lines it cannot read', () => {
    assert.equal(capturedIfindexes(TABLE.split('\n')[0] as string).size, 0);
    assert.equal(capturedIfindexes('header\n0000 3 3 0003\n0000 3 3 0003 seven 1 0 0 1\n').size, 0);
  });

  it('reads the table from a file, and throws when there is none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'carp-packet-'));
    try {
      const path = join(dir, 'packet');
      await writeFile(path, TABLE);
      assert.deepEqual([...readCapturedIfindexes(path)].sort(), [2, 7]);
      assert.throws(() => readCapturedIfindexes(join(dir, 'absent')), { code: 'ENOENT' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
