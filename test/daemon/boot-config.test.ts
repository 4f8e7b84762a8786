import assert from 'node:assert/strict';
import { casesFor, leakWords, leakedFragments } from '../config/leak-cases';
import { DaemonLab, type LogRecord } from './lab';
import { PASS, VIP } from './scenarios';

const GOOD_CARP0 = `vhid 7 pass ${PASS} carpdev eth0\ninet ${VIP}/24\n`;

describe('carpd boot configuration: what it refuses and logs', () => {
  describe('words after pass in a refused file (carpd in-process)', () => {
    let lab: DaemonLab;

    beforeEach(async () => {
      lab = await DaemonLab.create({ hosts: 1 });
    });

    afterEach(async () => {
      await lab.close();
    });

    it('logs each refused carpN.conf by position, never with a word after pass, and applies the good one', async () => {
      const cases = casesFor('file');
      const files = Object.fromEntries(cases.map((leak, i) => [`carp${i + 1}.conf`, `${leakWords(leak).join(' ')}\n`]));
      await lab.start(1, { config: { 'carp0.conf': GOOD_CARP0, ...files } });
      await lab.advance(10);
      assert.ok(lab.world.host(1).kernel.link('carp0'), 'the good file applied');
      for (const [i, leak] of cases.entries()) {
        const records = lab.log(1).filter((r: LogRecord) => typeof r.file === 'string' && r.file.endsWith(`/carp${i + 1}.conf`));
        assert.equal(records.length, 1, `one record for carp${i + 1}.conf`);
        const [record] = records;
        assert.equal(record?.level, 50);
        assert.deepEqual(Object.keys(record ?? {}).sort(), ['file', 'level', 'msg', 'name', 'pid', 'time'], 'no field but the message holds words');
        const msg = record?.msg ?? '';
        assert.deepEqual(leakedFragments(msg, leak, /^[^:]+:1: /), [], msg);
        assert.match(msg, /carp\d+\.conf:1: the \d+(st|nd|rd|th) word after pass /);
        assert.equal(lab.world.host(1).kernel.link(`carp${i + 1}`), undefined);
      }
    });
  });
});
