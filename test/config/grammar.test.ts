import assert from 'node:assert/strict';
import { LIMITS } from '../../src/carp/limits';
import {
  INTERFACE_TOKENS,
  checkCarpnodeList,
  matchKeyword,
  parseBalancing,
  parseCarpInterfaceName,
  parseCarpnodes,
  parseDeviceName,
  parseGroupName,
  parseNumber,
  parseState,
  parseSysctlAssignment,
  parseSysctlName,
  tokensFor,
  wordList,
} from '../../src/config/grammar';
import { refusal } from './refusal';


describe('grammar', () => {
  describe('matchKeyword (unique prefixes, as ospfctl)', () => {
    const tokens = [{ keyword: 'advbase' }, { keyword: 'advskew' }, { keyword: 'pass' }, { keyword: 'passfile' }];

    it('matches a whole keyword and every unique prefix of it', () => {
      assert.equal(matchKeyword('advskew', tokens, 'word').keyword, 'advskew');
      assert.equal(matchKeyword('advs', tokens, 'word').keyword, 'advskew');
      assert.equal(matchKeyword('advb', tokens, 'word').keyword, 'advbase');
      assert.equal(matchKeyword('passf', tokens, 'word').keyword, 'passfile');
    });

    it('prefers an exact keyword over longer ones it is a prefix of', () => {
      assert.equal(matchKeyword('pass', tokens, 'word').keyword, 'pass');
    });

    it('refuses an ambiguous prefix, naming the candidates', () => {
      assert.throws(() => matchKeyword('adv', tokens, 'word'), refusal('ambiguous-word', /"adv" is ambiguous: it could be advbase or advskew$/));
      assert.throws(() => matchKeyword('pa', tokens, 'word'), refusal('ambiguous-word', /pass or passfile/));
    });

    it('refuses an unknown word, listing the valid ones', () => {
      assert.throws(
        () => matchKeyword('vhidd', tokens, 'word'),
        refusal('unknown-word', /^unknown word "vhidd": valid words are advbase, advskew, pass or passfile$/),
      );
      assert.throws(() => matchKeyword('', tokens, 'word'), refusal('unknown-word', /valid words are/));
    });

    it('is case-sensitive, as ifconfig is', () => {
      assert.throws(() => matchKeyword('ADVSKEW', tokens, 'word'), refusal('unknown-word', /"ADVSKEW"/));
    });
  });

  it('wordList joins with commas and a final "or"', () => {
    assert.equal(wordList([]), '');
    assert.equal(wordList(['a']), 'a');
    assert.equal(wordList(['a', 'b']), 'a or b');
    assert.equal(wordList(['a', 'b', 'c']), 'a, b or c');
  });

  describe('token tables', () => {
    it('has every keyword once', () => {
      const keywords = INTERFACE_TOKENS.map((t) => t.keyword);
      assert.equal(new Set(keywords).size, keywords.length);
    });

    it('keeps create, destroy, stats, state and -alias out of files, and takes the address words in both', () => {
      const file = tokensFor('file').map((t) => t.keyword);
      const command = tokensFor('command').map((t) => t.keyword);
      for (const word of ['create', 'destroy', 'stats', 'state', '-alias']) {
        assert.ok(!file.includes(word), word);
        assert.ok(command.includes(word), word);
      }
      for (const word of ['inet', 'inet6', 'netmask', 'prefixlen', 'alias']) {
        assert.ok(file.includes(word), word);
        assert.ok(command.includes(word), word);
      }
    });
  });

  describe('parseNumber (ranges from LIMITS)', () => {
    it('accepts the ends of each range', () => {
      assert.equal(parseNumber('vhid', '1', LIMITS.vhid), 1);
      assert.equal(parseNumber('vhid', '255', LIMITS.vhid), 255);
      assert.equal(parseNumber('advskew', '254', LIMITS.advskew), 254);
      assert.equal(parseNumber('advbase', '0', LIMITS.advbase), 0);
      assert.equal(parseNumber('vhid', '007', LIMITS.vhid), 7);
    });

    it('refuses values outside the range, quoting it as the core does', () => {
      assert.throws(() => parseNumber('vhid', '0', LIMITS.vhid), refusal('out-of-range', /^vhid 0 is out of range: valid values are 1-255$/));
      assert.throws(() => parseNumber('vhid', '256', LIMITS.vhid), refusal('out-of-range', /^vhid 256 is out of range: valid values are 1-255$/));
      assert.throws(() => parseNumber('advskew', '255', LIMITS.advskew), refusal('out-of-range', /valid values are 0-254$/));
      assert.throws(() => parseNumber('advbase', '256', LIMITS.advbase), refusal('out-of-range', /valid values are 0-255$/));
    });

    it('refuses anything but plain decimal digits, quoting the range', () => {
      for (const text of ['1x', 'x1', '', '-1', '+1', '1.5', '0x10', ' 1', '1e2', '9999999999']) {
        assert.throws(() => parseNumber('vhid', text, LIMITS.vhid), refusal('bad-value', /is not a number: valid values are 1-255$/), text);
      }
    });
  });

  describe('names', () => {
    it('accepts carp0 to carp9999 and refuses anything else (the unit number names a routing table)', () => {
      assert.equal(parseCarpInterfaceName('carp0'), 'carp0');
      assert.equal(parseCarpInterfaceName('carp9999'), 'carp9999');
      for (const name of ['carp', 'carpX', 'eth0', 'carp0 ', 'carp-1', 'carp10000', 'carp007', 'carp00']) {
        assert.throws(() => parseCarpInterfaceName(name), refusal('bad-value', /use carp0 to carp9999, without leading zeros/), name);
      }
    });

    it('accepts Linux device names and refuses invalid ones or a carp interface', () => {
      assert.equal(parseDeviceName('eth0'), 'eth0');
      assert.equal(parseDeviceName('eth0.10'), 'eth0.10');
      assert.equal(parseDeviceName('enp0s31f6'), 'enp0s31f6');
      for (const name of ['', '.', '..', 'a/b', 'a:b', 'a b', 'abcdefghijklmnop']) {
        assert.throws(() => parseDeviceName(name), refusal('bad-value', /is not an interface name/), name);
      }
      assert.throws(() => parseDeviceName('carp1'), refusal('bad-value', /carpdev carp1 is a carp interface/));
    });

    it('accepts group names and refuses ones ending in a digit (OpenBSD rule)', () => {
      assert.equal(parseGroupName('carp'), 'carp');
      assert.equal(parseGroupName('uplink_a'), 'uplink_a');
      assert.throws(() => parseGroupName('net1'), refusal('bad-value', /ends in a digit/));
      for (const name of ['', '-x', 'a b', 'abcdefghijklmnop', '1abc']) {
        assert.throws(() => parseGroupName(name), refusal('bad-value', /is not a group name/), name);
      }
    });
  });

  describe('parseState', () => {
    it('takes init, backup, master, their prefixes, in any case', () => {
      assert.equal(parseState('init'), 'INIT');
      assert.equal(parseState('backup'), 'BACKUP');
      assert.equal(parseState('master'), 'MASTER');
      assert.equal(parseState('m'), 'MASTER');
      assert.equal(parseState('BACKUP'), 'BACKUP');
    });

    it('names the valid states', () => {
      assert.throws(() => parseState('primary'), refusal('unknown-word', /valid states are init, backup or master$/));
    });
  });

  describe('carpnodes and balancing', () => {
    it('are words of the command line and of files alike', () => {
      for (const context of ['command', 'file'] as const) {
        const words = tokensFor(context).map((t) => t.keyword);
        assert.ok(words.includes('carpnodes') && words.includes('balancing'), context);
      }
    });

    it('parses a carpnodes list into nodes sorted by vhid, accepting leading zeros as numbers do', () => {
      assert.deepEqual(parseCarpnodes('3:0,4:0,6:100'), [
        { vhid: 3, advskew: 0 },
        { vhid: 4, advskew: 0 },
        { vhid: 6, advskew: 100 },
      ]);
      assert.deepEqual(parseCarpnodes('2:100,1:0'), [
        { vhid: 1, advskew: 0 },
        { vhid: 2, advskew: 100 },
      ]);
      assert.deepEqual(parseCarpnodes('007:010'), [{ vhid: 7, advskew: 10 }]);
    });

    it('refuses a huge number as out of range, not as bad syntax', () => {
      assert.throws(() => parseCarpnodes('1:1000'), refusal('out-of-range', /^carpnodes advskew 1000 is out of range: valid values are 0-254$/));
      assert.throws(() => parseCarpnodes('1:9999999999'), refusal('bad-value', /is not VHID:ADVSKEW/));
    });

    it('turns the refusals of src/balance into ConfigErrors with the same words', () => {
      assert.throws(() => checkCarpnodeList([]), refusal('out-of-range', /^number of carpnodes 0 is out of range: valid values are 1-32$/));
      assert.throws(
        () => checkCarpnodeList([{ vhid: 4, advskew: 0 }, { vhid: 4, advskew: 1 }]),
        refusal('bad-value', /^carpnodes: vhid 4 is given twice/),
      );
    });

    it('parses balancing modes by exact name or unique prefix', () => {
      assert.equal(parseBalancing('none'), 'none');
      assert.equal(parseBalancing('ip'), 'ip');
      assert.equal(parseBalancing('ip-stealth'), 'ip-stealth');
      assert.equal(parseBalancing('ip-un'), 'ip-unicast');
      assert.equal(parseBalancing('ar'), 'arp');
      assert.throws(() => parseBalancing(''), refusal('unknown-word', /valid balancing modes are none, ip, ip-stealth, ip-unicast or arp$/));
    });
  });

  describe('sysctl', () => {
    it('parses name=value', () => {
      assert.deepEqual(parseSysctlAssignment('net.inet.carp.preempt=1'), { name: 'net.inet.carp.preempt', value: '1' });
      assert.deepEqual(parseSysctlAssignment('net.inet.carp.demotion=-240'), { name: 'net.inet.carp.demotion', value: '-240' });
    });

    it('refuses a missing "=", a bad name or a value with spaces', () => {
      assert.throws(() => parseSysctlAssignment('net.inet.carp.preempt'), refusal('bad-value', /write name=value/));
      assert.throws(() => parseSysctlAssignment('=1'), refusal('bad-value', /is not a sysctl name/));
      assert.throws(() => parseSysctlAssignment('net.inet.carp.preempt='), refusal('bad-value', /is not a single word/));
      assert.throws(() => parseSysctlAssignment('net.inet.carp.preempt=1 2'), refusal('bad-value', /is not a single word/));
      assert.throws(() => parseSysctlName('Net.inet'), refusal('bad-value', /is not a sysctl name/));
      assert.throws(() => parseSysctlName('preempt'), refusal('bad-value', /is not a sysctl name/));
    });
  });
});
