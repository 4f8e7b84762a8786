/**
 * The ifconfig-style block of `carpctl [carpN]`, as OpenBSD's ifconfig prints a carp interface
 * (docs/protocol.md §5.3). Choices where OpenBSD has no equivalent or we lack the data:
 * - No vhid yet: `carp: INIT carpdev <if|none> advbase <n> advskew 0`, i.e. the single-node line
 *   without `vhid` (OpenBSD prints no carp line at all; showing carpdev and advbase is more useful).
 * - A carpN.conf waiting for its carpdev (config-directory.ts): carpN is unconfigured, and the
 *   carpdev shows as `carpdev eth1 (waiting: no such interface yet)` until it appears.
 * - No MAC (carpN not yet in the kernel): the lladdr line is left out.
 * - `index`/`priority` lines are not printed; IPv6 link-local addresses show `%carpN` but no scopeid.
 * - No broadcast for /31 and /32 (RFC 3021: such prefixes have none).
 * - `carp demote count N` closes the block: the interface's demote count (byte 4).
 * - `carp: garp-refresh N` (ours) follows the carp line(s) while garp-refresh is on, and in
 *   maintenance mode `carp: maintenance mode (demoted by 240)`.
 * - `carppeer ADDRESS` ends the carp line as on OpenBSD, once per family (IPv4 first).
 * - carpver 3: FreeBSD's `vrrp: STATE vrid N prio P interval I` instead of the carp line, followed
 *   by `carpdev` and the carppeers as on the carp line.
 */
import { DEFAULT_ADVSKEW } from '../carp/limits';
import type { AddressDto, InterfaceStatusDto, MaintenanceDto } from '../control/protocol';
import { isIpv6LinkLocal, parseIp } from '../wire/address';

/** OpenBSD if_flags (sys/net/if.h), in bit order, with when each is set on a carp interface. */
interface Flag {
  readonly bit: number;
  readonly name: string;
  readonly isSet: (dto: InterfaceStatusDto) => boolean;
}

const FLAGS: readonly Flag[] = [
  { bit: 0x1, name: 'UP', isSet: (dto) => dto.adminUp },
  { bit: 0x2, name: 'BROADCAST', isSet: () => true },
  { bit: 0x40, name: 'RUNNING', isSet: (dto) => dto.running },
  { bit: 0x800, name: 'SIMPLEX', isSet: () => true },
  { bit: 0x8000, name: 'MULTICAST', isSet: () => true },
];

export function formatInterface(dto: InterfaceStatusDto, maintenance: MaintenanceDto | null = null): string {
  const lines = [
    `${dto.name}: ${flagsText(dto)} mtu ${dto.mtu}`,
    ...(dto.mac === null ? [] : [`\tlladdr ${dto.mac}`]),
    ...carpLines(dto),
    ...(dto.garpRefresh > 0 ? [`\tcarp: garp-refresh ${dto.garpRefresh}`] : []),
    ...(maintenance?.on === true ? [`\tcarp: maintenance mode (demoted by ${maintenance.demotion})`] : []),
    `\tgroups: ${dto.groups.join(' ')}`,
    `\tstatus: ${linkStatus(dto)}`,
    ...dto.addresses.map((a) => addressLine(dto.name, a)),
    `\tcarp demote count ${dto.demote}`,
  ];
  return `${lines.join('\n')}\n`;
}

function flagsText(dto: InterfaceStatusDto): string {
  const set = FLAGS.filter((f) => f.isSet(dto));
  const value = set.reduce((bits, f) => bits | f.bit, 0);
  return `flags=${value.toString(16)}<${set.map((f) => f.name).join(',')}>`;
}

/** One line for a single virtual host; the OpenBSD carpnodes form for several. */
function carpLines(dto: InterfaceStatusDto): string[] {
  const carpdev = dto.waitingForCarpdev === undefined ? (dto.carpdev ?? 'none') : `${dto.waitingForCarpdev} (waiting: no such interface yet)`;
  const peers = dto.carppeers.map((peer) => ` carppeer ${peer}`).join('');
  const [only] = dto.nodes;
  if (dto.nodes.length === 0) {
    return [`\tcarp: INIT carpdev ${carpdev} advbase ${dto.advbase} advskew ${DEFAULT_ADVSKEW}${peers}`];
  }
  if (only !== undefined && dto.vrrp !== null) {
    return [`\tvrrp: ${only.state} vrid ${only.vhid} prio ${dto.vrrp.priority} interval ${dto.vrrp.interval} carpdev ${carpdev}${peers}`];
  }
  if (only !== undefined && dto.nodes.length === 1) {
    return [`\tcarp: ${only.state} carpdev ${carpdev} vhid ${only.vhid} advbase ${dto.advbase} advskew ${only.advskew}${peers}`];
  }
  return [
    `\tcarp: carpdev ${carpdev} advbase ${dto.advbase} balancing ${dto.balancing}${peers}`,
    ...dto.nodes.map((n) => `\t\tstate ${n.state} vhid ${n.vhid} advskew ${n.advskew}`),
  ];
}

/** OpenBSD's carp link state: master if any node is MASTER, backup if any is BACKUP, else invalid. */
function linkStatus(dto: InterfaceStatusDto): string {
  if (dto.nodes.some((n) => n.state === 'MASTER')) return 'master';
  if (dto.nodes.some((n) => n.state === 'BACKUP')) return 'backup';
  return 'invalid';
}

function addressLine(ifname: string, dto: AddressDto): string {
  if (dto.family === 6) {
    const scope = isLinkLocal(dto.address) ? `%${ifname}` : '';
    return `\tinet6 ${dto.address}${scope} prefixlen ${dto.prefixLength}`;
  }
  const mask = dto.prefixLength === 0 ? 0 : (0xffffffff << (32 - dto.prefixLength)) >>> 0;
  const line = `\tinet ${dto.address} netmask 0x${mask.toString(16).padStart(8, '0')}`;
  const address = ipv4Number(dto.address);
  if (dto.prefixLength > 30 || address === null) return line;
  return `${line} broadcast ${dottedQuad((address | ~mask) >>> 0)}`;
}

function isLinkLocal(text: string): boolean {
  try {
    return isIpv6LinkLocal(parseIp(text));
  } catch {
    return false;
  }
}

function ipv4Number(text: string): number | null {
  try {
    const address = parseIp(text);
    return address.family === 4 ? address.bytes.readUInt32BE(0) : null;
  } catch {
    return null;
  }
}

function dottedQuad(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}
