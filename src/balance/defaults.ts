/** The balancing mode in force for a node count (docs/protocol.md §4, OpenBSD >= 5.8). */
import type { BalancingMode } from './modes';

/**
 * A single carpnode has nothing to balance, so OpenBSD forces `none`; several carpnodes with
 * `none` get `ip`, OpenBSD's recommended default. No carpnode at all is `none` as well.
 */
export function effectiveBalancing(nodeCount: number, requested: BalancingMode): BalancingMode {
  if (nodeCount <= 1) return 'none';
  return requested === 'none' ? 'ip' : requested;
}
