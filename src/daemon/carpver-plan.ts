/**
 * `carpver 2|3` and the words of each protocol (FreeBSD 14.1 carp(4)): the protocol is chosen
 * when the vhid is made and kept while the vhid stays; the words of the other protocol are
 * refused with the reason, so a command never half-applies. Pure, like configuration-plan.ts.
 */
import { CarpError } from '../carp/errors';
import { DEFAULT_CARPVER, DEFAULT_VRRP_INTERVAL, DEFAULT_VRRP_PRIORITY } from '../carp/limits';
import type { CarpInterfaceConfig, CarpNodeConfig, VrrpConfig } from '../carp/types';
import { checkVersionKept } from '../carp/validate';
import type { ResolvedInterfaceSettings } from '../config/settings';

/** Why each CARP word has no meaning in VRRPv3 (docs/protocol.md §8.4). */
const CARP_ONLY_WORDS: readonly { readonly given: (s: ResolvedInterfaceSettings) => boolean; readonly why: string }[] = [
  {
    given: (s) => s.pass !== undefined,
    why: 'pass is refused with carpver 3: VRRPv3 has no authentication (RFC 5798 9); use carppeer or a dedicated VLAN instead',
  },
  { given: (s) => s.advbase !== undefined, why: 'advbase is refused with carpver 3: VRRPv3 advertises every vrrpinterval centiseconds' },
  { given: (s) => s.advskew !== undefined, why: 'advskew is refused with carpver 3: VRRPv3 elects by vrrpprio (1-254, higher wins)' },
  { given: (s) => s.nodes !== undefined, why: 'carpnodes is refused with carpver 3: VRRP has one vhid per interface and no carpnodes' },
  {
    given: (s) => s.balancing !== undefined && s.balancing !== 'none',
    why: 'balancing is refused with carpver 3: VRRP has no load balancing',
  },
];

/** The version a vhid that is made now or kept speaks. */
function versionOf(current: CarpInterfaceConfig, nodes: readonly CarpNodeConfig[], settings: ResolvedInterfaceSettings): number {
  const [node] = nodes;
  const kept = node !== undefined && current.nodes.some((c) => c.vhid === node.vhid);
  const currentVersion = current.vrrp === null ? 2 : 3;
  if (node === undefined || kept) {
    const wanted = settings.carpver ?? currentVersion;
    const vrrp = wanted === 3 ? (current.vrrp ?? { priority: DEFAULT_VRRP_PRIORITY, intervalCentiseconds: DEFAULT_VRRP_INTERVAL }) : null;
    checkVersionKept(current, { ...current, nodes, vrrp });
    return wanted;
  }
  return settings.carpver ?? DEFAULT_CARPVER;
}

/**
 * The VRRP values `settings` ask for, or null for CARP; throws CarpError naming the reason when a
 * word does not fit the vhid's protocol.
 */
export function wantedVrrp(current: CarpInterfaceConfig, nodes: readonly CarpNodeConfig[], settings: ResolvedInterfaceSettings): VrrpConfig | null {
  if (settings.carpver !== undefined && settings.vhid === undefined) {
    throw new CarpError('bad-value', `carpver is chosen when the vhid is made: give it with vhid N (e.g. vhid 7 carpver ${settings.carpver})`);
  }
  const version = versionOf(current, nodes, settings);
  if (version === 2) {
    const word = settings.vrrpPriority !== undefined ? 'vrrpprio' : settings.vrrpInterval !== undefined ? 'vrrpinterval' : null;
    if (word !== null) {
      throw new CarpError('bad-value', `${word} is refused with carpver 2 (CARP, which uses advbase and advskew): give carpver 3 with the vhid for VRRPv3`);
    }
    return null;
  }
  const refused = CARP_ONLY_WORDS.find((w) => w.given(settings));
  if (refused !== undefined) throw new CarpError('bad-value', refused.why);
  const before = nodes[0] !== undefined && current.nodes.some((c) => c.vhid === nodes[0]?.vhid) ? current.vrrp : null;
  return {
    priority: settings.vrrpPriority ?? before?.priority ?? DEFAULT_VRRP_PRIORITY,
    intervalCentiseconds: settings.vrrpInterval ?? before?.intervalCentiseconds ?? DEFAULT_VRRP_INTERVAL,
  };
}
