import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInterfaceFile, readConfigDirectory } from '../../src/config/config-files';
import { ConfigError } from '../../src/config/grammar';
import { ordinal } from '../../src/config/hidden-words';
import { parseInterfaceCommand } from '../../src/config/parse-words';
import { readPassfile } from '../../src/config/passfile';
import { type LeakCase, casesFor, leakWords, leakedFragments } from './leak-cases';

/** The refusal of `parse`, which must throw a ConfigError. */
function refusalOf(parse: () => unknown): ConfigError {
  try {
    parse();
  } catch (e: unknown) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  assert.fail('the words were accepted');
}

const POSITION = /^the \d+(st|nd|rd|th) word after pass /;

function assertHidden(error: ConfigError, leak: LeakCase, prefix: RegExp): void {
  assert.equal(error.code, leak.code, error.message);
  assert.deepEqual(leakedFragments(error.message, leak, prefix), [], error.message);
  assert.match(error.message.replace(prefix, ''), POSITION);
}

describe('no word after pass in a refusal', () => {
  describe('on the command line', () => {
    for (const leak of casesFor('command')) {
      const words = leakWords(leak);
      it(`carpctl carp0 ${words.join(' ')}: ${leak.code}`, () => {
        assertHidden(refusalOf(() => parseInterfaceCommand(words)), leak, /^/);
        assertHidden(refusalOf(() => parseInterfaceCommand(['create', ...words])), leak, /^/);
      });
    }
  });

  describe('in a carpN.conf line', () => {
    for (const leak of casesFor('file')) {
      const line = leakWords(leak).join(' ');
      it(`${line}: ${leak.code}`, () => {
        const error = refusalOf(() => parseInterfaceFile('carp0.conf', `carpdev eth0\n${line}\n`));
        assertHidden(error, leak, /^carp0\.conf:2: /);
      });
    }
  });

  it('names the word by its position, the passphrase being the 1st after pass', () => {
    const error = refusalOf(() => parseInterfaceFile('carp0.conf', 'vhid 5 pass Leaky SecondHalf carpdev eth0\n'));
    assert.equal(
      error.message,
      'carp0.conf:1: the 2nd word after pass is not a known word; words after pass are left out, as they may be part of ' +
        'the passphrase (a passphrase in a file is one word: use passfile for one with spaces)',
    );
    const value = refusalOf(() => parseInterfaceCommand(['pass', 'two', 'advskew', 'x']));
    assert.equal(
      value.message,
      'the 3rd word after pass is not a valid value; words after pass are left out, as they may be part of ' +
        'the passphrase (quote a passphrase with spaces, or use passfile)',
    );
    assert.match(refusalOf(() => parseInterfaceCommand(['pass', 'a', 'vhid', '1', 'vhid', '2'])).message, /^the 4th word after pass repeats/);
    assert.match(refusalOf(() => parseInterfaceCommand(['pass', 'a', 'advskew', '1', 'vhid'])).message, /^the 4th word after pass needs a value after it;/);
  });

  it('still quotes the words before pass, and those of other lines', () => {
    assert.match(refusalOf(() => parseInterfaceCommand(['advskew', '999', 'pass', 'Leaky'])).message, /^advskew 999 is out of range/);
    const nextLine = refusalOf(() => parseInterfaceFile('carp0.conf', 'pass Leaky\nbogus\n'));
    assert.match(nextLine.message, /^carp0\.conf:2: unknown word "bogus": valid words are/);
    const passAsValue = refusalOf(() => parseInterfaceCommand(['group', 'pass', 'bogus']));
    assert.match(passAsValue.message, /^unknown word "bogus"/, 'a group named pass is no passphrase');
  });

  it('counts 11th, 12th and 13th, 21st, 22nd and 23rd', () => {
    assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal), [
      '1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st', '111th',
    ]);
  });

  describe('from files on disk', () => {
    let dir = '';

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'carp-leak-'));
    });

    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('leaves the words after pass out of every refused carpN.conf', async () => {
      const config = join(dir, 'conf');
      await mkdir(config, { mode: 0o700 });
      const cases = casesFor('file');
      for (const [n, leak] of cases.entries()) {
        await writeFile(join(config, `carp${n}.conf`), `${leakWords(leak).join(' ')}\n`, { mode: 0o600 });
      }
      const results = await readConfigDirectory(config);
      assert.equal(results.length, cases.length);
      for (const [n, result] of results.entries()) {
        const leak = cases[n] as LeakCase;
        assert.ok(result.kind === 'error', JSON.stringify(result));
        assert.equal(result.file, join(config, `carp${n}.conf`));
        assert.deepEqual(leakedFragments(result.message, leak, /^[^:]+:1: /), [], result.message);
      }
    });

    it('never prints the content of a refused passfile', async () => {
      const secret = 'Zq7SecretLine';
      const refused: readonly (readonly [string, string | Buffer, number])[] = [
        ['open', `${secret}\n`, 0o644],
        ['empty', `\n${secret}\n`, 0o600],
        ['big', Buffer.from(secret.repeat(400)), 0o600],
      ];
      for (const [name, content, mode] of refused) {
        const path = join(dir, name);
        await writeFile(path, content);
        await chmod(path, mode);
        await assert.rejects(readPassfile(path), (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.ok(!e.message.includes('Zq7') && !e.message.includes('Secret'), e.message);
          return true;
        });
      }
    });
  });
});
