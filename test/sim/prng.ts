/**
 * A small seeded PRNG for simulations: mulberry32 (Tommy Ettinger's 32-bit generator), fast and
 * well known; never Math.random, so every run replays from its seed.
 */
import type { RandomSource } from '../../src/carp/types';

export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned value. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform real in [min, max). */
  real(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return probability > 0 && this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** `count` distinct integers from [min, max], in random order. */
  distinct(count: number, min: number, max: number): number[] {
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(this.int(min, max));
    return [...chosen];
  }

  /** An independent generator seeded from this one. */
  fork(): Prng {
    return new Prng(this.nextUint32());
  }
}

/** Cookies for a CarpHost from a seeded generator. */
export function seededRandomSource(prng: Prng): RandomSource {
  return {
    bytes(count: number): Buffer {
      const out = Buffer.alloc(count);
      for (let i = 0; i < count; i++) out[i] = prng.nextUint32() & 0xff;
      return out;
    },
  };
}
