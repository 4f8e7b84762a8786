/** The rule by which carpctl decides whether it may send a request (and a passphrase) to a socket. */
import assert from 'node:assert/strict';
import { type PathEntry, pathRefusal, peerRefusal, trustedUids } from '../../src/control/socket-trust';

const TESTER = 1001;
const MALLORY = 1002;
const SOCKET = 0o140000;
const DIR = 0o040000;

function entry(path: string, uid: number, mode: number): PathEntry {
  return { path, uid, mode };
}

/** /run/carpd.sock as carpd and systemd make it. */
const RUN: readonly PathEntry[] = [entry('/run/carpd.sock', 0, SOCKET | 0o600), entry('/run', 0, DIR | 0o755), entry('/', 0, DIR | 0o755)];

function inTmp(socketUid: number, dirUid: number, dirMode = 0o700): PathEntry[] {
  return [
    entry('/tmp/d/carpd.sock', socketUid, SOCKET | 0o600),
    entry('/tmp/d', dirUid, DIR | dirMode),
    entry('/tmp', 0, DIR | 0o1777),
    entry('/', 0, DIR | 0o755),
  ];
}

function directlyInTmp(socketUid: number): PathEntry[] {
  return [entry('/tmp/carpd.sock', socketUid, SOCKET | 0o600), entry('/tmp', 0, DIR | 0o1777), entry('/', 0, DIR | 0o755)];
}

describe('control socket trust rule', () => {
  it('trusts root alone for root, and root and oneself for anyone else', () => {
    assert.deepEqual(trustedUids(0), [0]);
    assert.deepEqual(trustedUids(TESTER), [0, TESTER]);
  });

  it('accepts carpd\'s own socket, for root and for other users', () => {
    assert.equal(pathRefusal('/run/carpd.sock', RUN, 0), null);
    assert.equal(pathRefusal('/run/carpd.sock', RUN, TESTER), null);
  });

  it('refuses, for root, a socket that belongs to another user, naming the file, the owner and what to do', () => {
    assert.equal(
      pathRefusal('/tmp/d/carpd.sock', inTmp(TESTER, TESTER), 0),
      'refusing to talk to /tmp/d/carpd.sock: /tmp/d/carpd.sock belongs to uid 1001, not root, so that user could have ' +
        'put a fake carpd there to read what carpctl sends, passphrases included; use carpd\'s own socket ' +
        '(/run/carpd.sock unless --socket or CARPD_SOCKET says otherwise)',
    );
  });

  it('refuses a root-owned socket in a directory another user owns: they can rename it away', () => {
    assert.match(pathRefusal('/tmp/d/carpd.sock', inTmp(0, TESTER), 0) ?? '', /: \/tmp\/d belongs to uid 1001, not root, /);
  });

  it('accepts a root-owned socket in or below the sticky, world-writable /tmp: nobody else can rename it', () => {
    assert.equal(pathRefusal('/tmp/d/carpd.sock', inTmp(0, 0), 0), null);
    assert.equal(pathRefusal('/tmp/carpd.sock', directlyInTmp(0), 0), null);
  });

  it('refuses a socket another user put directly into /tmp', () => {
    assert.match(pathRefusal('/tmp/carpd.sock', directlyInTmp(MALLORY), 0) ?? '', /: \/tmp\/carpd\.sock belongs to uid 1002, not root,/);
  });

  it('refuses a directory writable by group or others without the sticky bit, with its mode and a fix', () => {
    assert.equal(
      pathRefusal('/tmp/d/carpd.sock', inTmp(0, 0, 0o777), 0),
      'refusing to talk to /tmp/d/carpd.sock: directory /tmp/d is writable by group and others (mode 0777) and not sticky, ' +
        'so anyone who can write there could have replaced the socket with a fake carpd; make it safe (chmod go-w /tmp/d) ' +
        'or use carpd\'s own socket (/run/carpd.sock unless --socket or CARPD_SOCKET says otherwise)',
    );
    assert.match(pathRefusal('/tmp/d/carpd.sock', inTmp(0, 0, 0o770), 0) ?? '', /writable by its group \(mode 0770\)/);
    assert.match(pathRefusal('/tmp/d/carpd.sock', inTmp(0, 0, 0o703), 0) ?? '', /writable by others \(mode 0703\)/);
    assert.equal(pathRefusal('/tmp/d/carpd.sock', inTmp(0, 0, 0o1777), 0), null, 'sticky like /tmp');
  });

  it('checks every directory up to /, not only the socket\'s own', () => {
    const entries = [...inTmp(0, 0).slice(0, 2), entry('/tmp', 0, DIR | 0o777), entry('/', 0, DIR | 0o755)];
    assert.match(pathRefusal('/tmp/d/carpd.sock', entries, 0) ?? '', /directory \/tmp is writable by group and others \(mode 0777\)/);
    const foreignRoot = [...RUN.slice(0, 2), entry('/', MALLORY, DIR | 0o755)];
    assert.match(pathRefusal('/run/carpd.sock', foreignRoot, 0) ?? '', /: \/ belongs to uid 1002/);
  });

  it('ignores the socket\'s own permission bits: they say who may connect, not who may replace it', () => {
    const open = [entry('/run/carpd.sock', 0, SOCKET | 0o777), ...RUN.slice(1)];
    assert.equal(pathRefusal('/run/carpd.sock', open, 0), null);
  });

  it('lets an unprivileged user talk to a daemon of their own, in their own directory, and nobody else\'s', () => {
    assert.equal(pathRefusal('/tmp/d/carpd.sock', inTmp(TESTER, TESTER), TESTER), null);
    assert.match(
      pathRefusal('/tmp/d/carpd.sock', inTmp(MALLORY, TESTER), TESTER) ?? '',
      /\/tmp\/d\/carpd\.sock belongs to uid 1002, not root or you \(uid 1001\),/,
    );
  });

  it('trusts the listening process only when it runs as root, or as the caller', () => {
    assert.equal(peerRefusal('/run/carpd.sock', { pid: 10, uid: 0, gid: 0 }, 0), null);
    assert.equal(peerRefusal('/run/carpd.sock', { pid: 10, uid: 0, gid: 0 }, TESTER), null);
    assert.equal(peerRefusal('/tmp/d/carpd.sock', { pid: 11, uid: TESTER, gid: TESTER }, TESTER), null);
    assert.equal(
      peerRefusal('/run/carpd.sock', { pid: 12, uid: TESTER, gid: TESTER }, 0),
      'refusing to talk to /run/carpd.sock: the process listening there (pid 12) runs as uid 1001, not root, so it is ' +
        'not carpd and must not see what carpctl sends, passphrases included; run carpd as root, or use carpd\'s own ' +
        'socket (/run/carpd.sock unless --socket or CARPD_SOCKET says otherwise)',
    );
    assert.match(peerRefusal('/tmp/d/carpd.sock', { pid: 13, uid: MALLORY, gid: MALLORY }, TESTER) ?? '', /runs as uid 1002, not root or you \(uid 1001\)/);
  });
});
