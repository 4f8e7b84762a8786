/**
 * Advertisements as the bridge saw them, from `tcpdump -tt -n ip proto 112` (CARP and VRRP share
 * the protocol number and the group 224.0.0.18), and the failover measures read from them: who
 * advertised when is what every tool's MASTER does, whatever it logs.
 */

export interface Advertisement {
  /** Wall-clock ms, tcpdump's timestamp. */
  readonly at: number;
  /** The IPv4 source: the host's own address for all three tools. */
  readonly source: string;
}

const LINE = /^(\d+\.\d+) .*?(\d+\.\d+\.\d+\.\d+) > 224\.0\.0\.18: /;

export function parseAdvertisements(tcpdumpText: string): Advertisement[] {
  return tcpdumpText.split('\n').flatMap((line) => {
    const match = LINE.exec(line);
    return match ? [{ at: Number(match[1]) * 1000, source: match[2] as string }] : [];
  });
}

/**
 * Takeover: from the last advertisement of `from` (a bow-out or priority-0 one included) to the
 * first of `to` after `since`, the protocol's own failover time. Null if `to` never advertised.
 */
export function advertisementGap(ads: readonly Advertisement[], from: string, to: string, since: number): number | null {
  const first = ads.find((ad) => ad.source === to && ad.at >= since);
  if (first === undefined) return null;
  const last = ads.filter((ad) => ad.source === from && ad.at < first.at).at(-1);
  return last === undefined ? null : first.at - last.at;
}

/**
 * Preemption: how long `leaving` still advertised, as MASTER, after `returning` first did after
 * `since` (0 if it stopped at once); null if `returning` never advertised.
 */
export function bothAdvertising(ads: readonly Advertisement[], returning: string, leaving: string, since: number): number | null {
  const first = ads.find((ad) => ad.source === returning && ad.at >= since);
  if (first === undefined) return null;
  const last = ads.filter((ad) => ad.source === leaving).at(-1);
  return last === undefined ? 0 : Math.max(0, last.at - first.at);
}

export function advertisedFrom(ads: readonly Advertisement[], source: string): boolean {
  return ads.some((ad) => ad.source === source);
}

/** How many times `to` began advertising while `from` was the last to have done so: takeovers from `from`. */
export function takeovers(ads: readonly Advertisement[], from: string, to: string): number {
  let count = 0;
  let last: string | null = null;
  for (const ad of ads) {
    if (ad.source !== from && ad.source !== to) continue;
    if (ad.source === to && last === from) count++;
    last = ad.source;
  }
  return count;
}

/** The times between consecutive advertisements of `source` in the capture, ms, in capture order. */
export function silences(ads: readonly Advertisement[], source: string): number[] {
  const gaps: number[] = [];
  let previous: number | null = null;
  for (const ad of ads) {
    if (ad.source !== source) continue;
    if (previous !== null) gaps.push(ad.at - previous);
    previous = ad.at;
  }
  return gaps;
}
