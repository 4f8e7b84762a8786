/**
 * Which addon file the loader picks: the package's own build, else the prebuilt binary beside the
 * package (where the Debian package puts it), else a message naming both places.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findAddon } from '../../src/native/binding';

describe('native addon lookup', () => {
  let root: string;
  const prebuiltDir = () => path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const place = (dir: string, file: string): string => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, file), '');
    return path.join(dir, file);
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'carp-addon-'));
    fs.writeFileSync(path.join(root, 'package.json'), '{"name":"carp-linux"}');
    fs.mkdirSync(path.join(root, 'dist', 'src', 'native'), { recursive: true });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const fromInside = () => findAddon([path.join(root, 'dist', 'src', 'native')]);

  it('takes the prebuilt binary of this platform and architecture when the package has no build', () => {
    place(path.join(root, 'prebuilds', 'linux-nosucharch'), 'carp_native.napi.node');
    const prebuilt = place(prebuiltDir(), 'carp_native.napi.node');
    assert.equal(fromInside(), prebuilt);
  });

  it("takes the package's own build over a prebuilt binary, so that a rebuilt native/ runs", () => {
    place(prebuiltDir(), 'carp_native.napi.node');
    const built = place(path.join(root, 'build', 'Release'), 'carp_native.node');
    assert.equal(fromInside(), built);
  });

  it('names both places it looked in when there is neither', () => {
    assert.throws(fromInside, (e: Error) => {
      assert.match(e.message, /^carp native addon not found: no build\/Release or prebuilds\/linux-\w+ in /);
      assert.ok(e.message.includes(root), e.message);
      return true;
    });
  });
});
