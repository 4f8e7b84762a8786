/**
 * CARP advertisements as tcpdump prints them with `-tt -e -T carp`: the wire view of who
 * advertised what and when, independent of what either daemon reports about itself.
 */

/** tcpdump options for `Capture` that print what `parseAds` reads. */
export const AD_PRINT_ARGS = ['-tt', '-e', '-T', 'carp'] as const;

export interface CapturedAd {
  /** Capture time in ms (tcpdump's clock). */
  readonly at: number;
  readonly sourceMac: string;
  readonly source: string;
  readonly vhid: number;
  readonly advbase: number;
  readonly advskew: number;
  readonly counter: bigint;
}

// 1795318376.847811 00:00:5e:00:00:07 > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 70:
// 10.66.0.1 > 224.0.0.18: CARPv2-advertise 36: vhid=7 advbase=1 advskew=0 authlen=7 counter=159...
const AD_LINE =
  /^(\d+\.\d+) (\S+) > \S+, ethertype IPv4 \(0x0800\), length \d+: (\S+) > \S+: CARPv2-advertise 36: vhid=(\d+) advbase=(\d+) advskew=(\d+) authlen=7 counter=(\d+)$/;

/**
 * Each line of tcpdump's output that `pattern` matches, built into a record in capture order; other
 * lines are skipped. Every group of the pattern must be mandatory, so `group(i)` always has text.
 */
export function parseTcpdumpLines<T>(output: string, pattern: RegExp, build: (group: (i: number) => string) => T): T[] {
  return output.split('\n').flatMap((line) => {
    const m = pattern.exec(line.trim());
    return m ? [build((i) => m[i] as string)] : [];
  });
}

/** The advertisements in tcpdump's output, in capture order; other lines are skipped. */
export function parseAds(output: string): CapturedAd[] {
  return parseTcpdumpLines(output, AD_LINE, (group) => ({
    at: Number(group(1)) * 1000,
    sourceMac: group(2),
    source: group(3),
    vhid: Number(group(4)),
    advbase: Number(group(5)),
    advskew: Number(group(6)),
    counter: BigInt(group(7)),
  }));
}
