/**
 * The carpnodes of one carp interface (`carpnodes VHID:ADVSKEW,...`, OpenBSD >= 5.8): each is a
 * virtual host with its own state machine; together they share advbase, passphrase, addresses and
 * carpdev (docs/protocol.md §4).
 */
import { CarpError } from './errors';
import { LIMITS, type Range, checkRange } from './limits';

export interface CarpNode {
  readonly vhid: number;
  readonly advskew: number;
}

/** OpenBSD's ifconfig refuses vhid 255 in a carpnodes list, although `vhid 255` alone is accepted. */
export const CARPNODE_VHID: Range = { min: LIMITS.vhid.min, max: 254 };

/**
 * Checks a carpnodes list and returns it sorted by vhid, as OpenBSD's kernel keeps it: the first
 * node is the leader (its MAC is the interface's, the hash index counts from it). Throws CarpError
 * `out-of-range` naming the valid range, or `bad-value` for a vhid given twice.
 */
export function checkCarpnodes(nodes: readonly CarpNode[]): CarpNode[] {
  checkRange('number of carpnodes', nodes.length, LIMITS.carpnodes);
  const seen = new Set<number>();
  for (const node of nodes) {
    checkRange('carpnodes vhid', node.vhid, CARPNODE_VHID);
    checkRange('carpnodes advskew', node.advskew, LIMITS.advskew);
    if (seen.has(node.vhid)) {
      throw new CarpError('bad-value', `carpnodes: vhid ${node.vhid} is given twice: every carpnode needs its own vhid`);
    }
    seen.add(node.vhid);
  }
  return nodes.map(({ vhid, advskew }) => ({ vhid, advskew })).sort((a, b) => a.vhid - b.vhid);
}
