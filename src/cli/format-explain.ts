/** `carpctl carpN explain`: our values, then per vhid its state, peers, timer and deciding rule. */
import type { ExplanationDto, NodeExplanationDto } from '../control/protocol';

export function formatExplanation(explanation: ExplanationDto): string {
  // Unicast peers change what "heard nothing" means: only the carppeer's advertisements count.
  const peers = explanation.carppeers.map((peer) => ` carppeer ${peer}`).join('');
  const head = `${explanation.name}: advbase ${explanation.advbase} demote ${explanation.demote} preempt ${explanation.preempt ? 'on' : 'off'}${peers}\n`;
  return head + explanation.nodes.map(formatNode).join('');
}

function formatNode(node: NodeExplanationDto): string {
  const sent = node.effectiveAdvskew === node.advskew ? '' : ` (sent ${node.effectiveAdvskew})`;
  const transition = node.lastTransition;
  const since = transition === null ? '' : ` for ${transition.secondsAgo} s (${transition.text})`;
  const lines = [`\tvhid ${node.vhid} ${node.state} advskew ${node.advskew}${sent}${since}`];
  for (const peer of node.peers) {
    lines.push(`\t\tpeer ${peer.source} advbase ${peer.advbase} advskew ${peer.advskew} demote ${peer.demote}, heard ${peer.secondsAgo} s ago`);
  }
  if (node.timer !== null) {
    lines.push(`\t\t${node.timer.kind === 'advertise' ? 'next advertisement' : 'master down'} in ${node.timer.secondsLeft} s`);
  }
  lines.push(`\t\t${node.rule}`);
  return lines.map((line) => `${line}\n`).join('');
}
