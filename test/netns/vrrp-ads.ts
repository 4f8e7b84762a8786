/**
 * VRRPv3 advertisements (RFC 5798) as tcpdump prints them with `-tt -e -n`, IPv4 and IPv6: the
 * wire view of who advertised, with which priority and when, whatever either router reports.
 */

/** tcpdump options and filter for `Capture` that print what `parseVrrpAds` reads. */
import { parseTcpdumpLines } from './carp-ads';

export const VRRP_CAPTURE_ARGS = ['-tt', '-e', 'ip proto 112 or ip6 proto 112'] as const;

export interface VrrpAd {
  /** Capture time in ms (tcpdump's clock). */
  readonly at: number;
  readonly sourceMac: string;
  readonly source: string;
  /** The group (224.0.0.18, ff02::12) or, unicast, the peer. */
  readonly destination: string;
  readonly vrid: number;
  readonly priority: number;
  /** Max advertisement interval in centiseconds. */
  readonly intervalCs: number;
}

// 1796580336.902068 02:55:00:00:00:01 > 33:33:00:00:00:12, ethertype IPv6 (0x86dd), length 78:
// fe80::55:ff:fe00:1 > ff02::12: VRRPv3, Advertisement, vrid 9, prio 150, intvl 10cs, length 24
const AD_LINE = /^(\d+\.\d+) (\S+) > \S+, ethertype IPv[46] \(0x[0-9a-f]+\), length \d+: (\S+) > (\S+): VRRPv3, Advertisement, vrid (\d+), prio (\d+), intvl (\d+)cs, length \d+$/;

/** The VRRPv3 advertisements in tcpdump's output, in capture order; other lines (CARP too) are skipped. */
export function parseVrrpAds(output: string): VrrpAd[] {
  return parseTcpdumpLines(output, AD_LINE, (group) => ({
    at: Number(group(1)) * 1000,
    sourceMac: group(2),
    source: group(3),
    destination: group(4),
    vrid: Number(group(5)),
    priority: Number(group(6)),
    intervalCs: Number(group(7)),
  }));
}
