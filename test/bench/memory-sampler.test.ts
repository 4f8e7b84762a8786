import { strict as assert } from 'node:assert';
import { MemorySampler, spreadOf } from '../../bench/memory-sampler';
import { residentSplit } from '../netns/process-memory';

describe('bench memory sampler', () => {
  it('gives min, median and max of the samples', () => {
    assert.deepEqual(spreadOf([80, 120, 81, 100]), { min: 80, median: 90.5, max: 120 });
  });

  it('reads VmRSS as RssAnon + RssFile (+ RssShmem) of /proc/PID/status', async () => {
    const { vmRss, rssAnon, rssFile } = await residentSplit(process.pid);
    assert.ok(rssAnon > 0 && rssFile > 0 && vmRss >= rssAnon + rssFile, JSON.stringify({ vmRss, rssAnon, rssFile }));
  });

  it('samples each group over the span, summed over its processes, and once more at its end', async () => {
    const sampler = new MemorySampler({ one: [process.pid], two: [process.pid, process.pid] }, 20);
    sampler.start();
    await new Promise((resolve) => setTimeout(resolve, 110));
    const { one, two } = await sampler.stop();
    assert.ok(one.samples >= 3, `${one.samples} samples`);
    assert.equal(two.samples, one.samples);
    // Both groups are read in the same pass; the second counts the same process twice.
    assert.ok(Math.abs(two.rssFile.median - 2 * one.rssFile.median) < 1, JSON.stringify({ one, two }));
    assert.ok(one.vmRss.min <= one.vmRss.median && one.vmRss.median <= one.vmRss.max && one.vmRssAtEnd > 0);
  });

  it('reports a process that went away rather than a spread without it', async () => {
    const sampler = new MemorySampler({ gone: [2 ** 22 + 1] }, 20);
    sampler.start();
    await assert.rejects(sampler.stop(), /ENOENT/);
  });
});
