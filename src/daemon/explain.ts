/**
 * `carpctl carpN explain`: why each virtual host of carpN is in its state, from the core's status:
 * the values we send, the peers heard, the timer that runs, and the receive rule
 * (src/carp/receive-rules.ts, docs/protocol.md §3.4) that keeps the node where it is, as a sentence.
 */
import { isBowOut } from '../carp/advertisement';
import { compareTiming } from '../carp/timing';
import { TRANSITION_REASONS } from '../carp/types';
import type { InterfaceStatus, Millis, NodeStatus, PeerStatus, TransitionReason } from '../carp/types';
import { type ExplanationDto, type NodeExplanationDto, type PeerDto, transitionDto } from '../control/protocol';
import { formatIp } from '../wire/address';

/** What a node or a peer puts in an advertisement, as far as the rules look at it. */
interface Advertised {
  readonly advbase: number;
  readonly advskew: number;
  readonly demote: number;
}

export function explainInterface(status: InterfaceStatus, now: Millis, preempt: boolean): ExplanationDto {
  return {
    name: status.name,
    advbase: status.config.advbase,
    demote: status.demote,
    preempt,
    carppeers: status.config.peers.map(formatIp),
    nodes: status.nodes.map((node) => explainNode(node, status, now, preempt)),
  };
}

function explainNode(node: NodeStatus, iface: InterfaceStatus, now: Millis, preempt: boolean): NodeExplanationDto {
  const ours = { advbase: iface.config.advbase, advskew: node.effectiveAdvskew, demote: iface.demote };
  return {
    vhid: node.vhid,
    state: node.state,
    advskew: node.advskew,
    effectiveAdvskew: node.effectiveAdvskew,
    lastTransition: transitionDto(node.lastTransition, now),
    peers: node.peers.map((peer) => peerDto(peer, now)),
    timer: node.nextTimer === null ? null : { kind: node.nextTimer.kind, secondsLeft: tenths(Math.max(0, node.nextTimer.at - now)) },
    rule: node.state === 'INIT' ? initRule(node, iface.haltReason) : node.vrrp === null ? rule(node, ours, preempt) : vrrpRule(node, node.vrrp, preempt),
  };
}

/** INIT: why the interface does not run now, which says more than why it last stopped. */
function initRule(node: NodeStatus, haltReason: TransitionReason | null): string {
  const reason = haltReason ?? node.lastTransition?.reason;
  return `INIT: ${reason === undefined ? 'not started yet' : TRANSITION_REASONS[reason]}`;
}

/** carpver 3 (src/carp/vrrp-rules.ts): VRRP peers are not kept, so the rule speaks of our own values. */
function vrrpRule(node: NodeStatus, vrrp: NonNullable<NodeStatus['vrrp']>, preempt: boolean): string {
  const ours = `priority ${vrrp.priority}`;
  switch (node.state) {
    case 'INIT':
    case 'BACKUP':
      return preempt
        ? `BACKUP (${ours}): a master of priority ${vrrp.priority} or more advertises every ${vrrp.masterInterval} cs; a lower one would be preempted`
        : `BACKUP (${ours}): the master advertises every ${vrrp.masterInterval} cs; preempt is off, so a BACKUP waits for it to go`;
    case 'MASTER':
      return `MASTER (${ours}): no higher priority, nor the same from a higher address, heard since the takeover`;
  }
}

function peerDto(peer: PeerStatus, now: Millis): PeerDto {
  const { advbase, advskew, demote } = peer;
  return { source: formatIp(peer.source), advbase, advskew, demote, secondsAgo: tenths(Math.max(0, now - peer.lastSeen)) };
}

/** Seconds to a tenth: ages and timers of an advbase-1 protocol are fractions of a second. */
function tenths(ms: Millis): number {
  return Math.round(ms / 100) / 10;
}

function values(a: Advertised): string {
  return `advbase ${a.advbase} advskew ${a.advskew}${a.demote === 0 ? '' : ` demote ${a.demote}`}`;
}

function rule(node: NodeStatus, ours: Advertised, preempt: boolean): string {
  switch (node.state) {
    case 'INIT':
    case 'BACKUP':
      return backupRule(node.peers[0], ours, preempt);
    case 'MASTER': {
      const since = node.lastTransition?.at ?? 0;
      return masterRule(
        node.peers.find((p) => p.lastSeen >= since),
        ours,
        node.lastTransition === null ? 'MASTER' : `MASTER (${TRANSITION_REASONS[node.lastTransition.reason]})`,
      );
    }
  }
}

/** The newest peer is the master a BACKUP follows (its advertisements restart master-down). */
function backupRule(master: PeerStatus | undefined, ours: Advertised, preempt: boolean): string {
  if (master === undefined) return 'BACKUP: no advertisement heard yet; MASTER when the master-down timer expires';
  const at = `the master at ${formatIp(master.source)}`;
  if (master.demote < ours.demote) return `BACKUP: ${at} is less demoted (demote ${master.demote}, ours ${ours.demote})`;
  if (master.demote > ours.demote) {
    return `BACKUP: ${at} is more demoted (demote ${master.demote}, ours ${ours.demote}): its next advertisement makes this host MASTER`;
  }
  const theirs = `${at} advertises ${values(master)}`;
  const order = compareTiming(master, ours);
  if (order < 0) return `BACKUP: ${theirs}, better than ours (${values(ours)})`;
  if (order === 0) return `BACKUP: ${theirs}, the same as ours: a tie keeps the master in place`;
  if (!preempt) return `BACKUP: ${theirs}, worse than ours (${values(ours)}), but preempt is off: a BACKUP waits for the master to go`;
  return `BACKUP: ${theirs}, worse than ours (${values(ours)}): with preempt on, its next advertisement makes this host MASTER`;
}

/** A MASTER stays while nothing it heard since its takeover beats it (better timing, not more demoted, or less demoted). */
function masterRule(latest: PeerStatus | undefined, ours: Advertised, since: string): string {
  if (latest === undefined) return `${since}: no advertisement heard since`;
  if (isBowOut(latest)) return `${since}: ${formatIp(latest.source)} bowed out (advbase 255 advskew 255) and has sent nothing since`;
  const theirs = `${formatIp(latest.source)} advertises ${values(latest)}`;
  if (compareTiming(latest, ours) <= 0 && latest.demote > ours.demote) {
    return `${since}: ${theirs}, as good as ours or better, but it is more demoted (ours ${ours.demote})`;
  }
  return `${since}: ${theirs}, worse than ours (${values(ours)})`;
}
