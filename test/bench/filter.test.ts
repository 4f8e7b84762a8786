import assert from 'node:assert/strict';
import { UNFILTERED, filterFold } from '../../src/balance/filter-fold';
import { VNET_HEADER_LENGTH } from '../../src/native/types';
import { virtualMac } from '../../src/wire/address';
import type { FilterSample } from '../../bench/filter-rounds';
import { summarizeFilter } from '../../bench/filter-summary';
import { tcpBatch } from '../../bench/filter-frames';
import { filterVariants } from '../../bench/filter-variants';

describe('bench/filter', () => {
  for (const family of [4, 6] as const) {
    it(`builds IPv${family} TCP frames that the IP filter decides, spread over both nodes`, () => {
      const batch = tcpBatch(family, 'inbound', virtualMac(1));
      const nodes = new Set<number>();
      for (let slot = 0; slot < batch.slots; slot++) {
        const fold = filterFold(batch.arena, batch.offsetOf(slot) + VNET_HEADER_LENGTH, (batch.lengths[slot] as number) - VNET_HEADER_LENGTH);
        assert.notEqual(fold, UNFILTERED);
        nodes.add(fold % 2);
      }
      assert.deepEqual([...nodes].sort(), [0, 1]);
    });

    it(`lets every frame of an IPv${family} batch through in every loop, batch after batch`, () => {
      for (const variant of filterVariants(family)) {
        variant.run();
        variant.run();
        assert.equal(variant.passed(), 2 * variant.frames, `${variant.kind} ${variant.mode}`);
      }
    });
  }

  it('reports the cost of balancing ip as per-round differences against balancing none', () => {
    const samples: FilterSample[] = [];
    const add = (round: number, kind: FilterSample['kind'], mode: FilterSample['mode'], nsPerFrame: number): void => {
      samples.push({ round, kind, mode, family: 4, nsPerFrame });
    };
    for (const [round, slow] of [
      [1, 1],
      [2, 3], // someone else's load made this round three times as slow: its difference is the outlier
      [3, 1],
    ] as const) {
      add(round, 'bare', 'none', 10 * slow);
      add(round, 'hash', 'none', 5 * slow);
      add(round, 'hash', 'ip', 15 * slow);
      add(round, 'decide', 'none', 20 * slow);
      add(round, 'decide', 'ip', (round === 3 ? 60 : 50) * slow);
      add(round, 'send', 'none', 20 * slow);
      add(round, 'send', 'ip', 30 * slow);
      add(round, 'relay', 'none', 50 * slow);
      add(round, 'relay', 'ip', 100 * slow);
    }
    const summary = summarizeFilter(samples, 2000);
    assert.deepEqual(summary.families, [{ family: 4, hashNs: 10, inboundNs: 40, outboundNs: 10, shareOfRelayBatch: 0.5 }]);
    assert.deepEqual(summary.ofDaemonFrame, { daemonNsPerFrame: 2000, share: 0.02 });
    const decideIp = summary.variants.find((v) => v.kind === 'decide' && v.mode === 'ip');
    assert.deepEqual(decideIp && [decideIp.median, decideIp.min, decideIp.max], [60, 50, 150]);
    assert.equal(summarizeFilter(samples, null).ofDaemonFrame, null);
  });
});
