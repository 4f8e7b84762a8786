/**
 * The in-kernel data path of one carp interface as iproute2 `tc` and `nft` command lines
 * (docs/design.md, "The in-kernel data path"). While it is installed:
 * - on the carpdev's ingress, IPv4 and IPv6 frames to carpN's virtual MAC are redirected into
 *   carpN's ingress (`u32` match on the destination MAC, `mirred ingress redirect`);
 * - carpN's ingress hook in nftables marks them PACKET_HOST: the carpdev classified them as
 *   PACKET_OTHERHOST (not its own MAC), mirred keeps that, and ip_rcv drops such frames;
 * - on carpN's egress, IPv4 and IPv6 frames go straight out of the carpdev (`mirred egress redirect`).
 * ARP, advertisements and everything not unicast to the virtual MAC stay with the relay.
 *
 * Our tc filters on a carpdev are told apart by preference (FIRST_PREFERENCE and up, one per MAC
 * and family); other filters on the carpdev, and its clsact qdisc, are left alone. carpN's clsact
 * qdisc and the nftables table `netdev carpd` are ours alone.
 *
 * The path adds and removes filters, not qdiscs: a qdisc added to or removed from a running
 * device can drop a frame it is sending (docs/design.md). carpN's clsact qdisc comes when carpd
 * finds carpN (resetEgressCommands), the carpdev's when the path is first enabled on it
 * (addClsact); the install adds them only where they went missing.
 */
import type { MacAddress } from '../wire/address';
import { formatMac } from '../wire/address';

/** The in-kernel data path of carpN: frames to `mac` on `carpdev` enter carpN without the relay. */
export interface FastPathSpec {
  readonly ifname: string;
  readonly carpdev: string;
  /** carpN's (unicast) virtual MAC, 00:00:5e:00:01:<vhid>. */
  readonly mac: MacAddress;
}

export function sameFastPath(a: FastPathSpec | null, b: FastPathSpec | null): boolean {
  if (a === null || b === null) return a === b;
  return a.ifname === b.ifname && a.carpdev === b.carpdev && Buffer.compare(a.mac, b.mac) === 0;
}

export type FastPathTool = 'tc' | 'nft';

export interface FastPathCommand {
  readonly tool: FastPathTool;
  readonly args: readonly string[];
  /** A step whose failure does not matter: it removes what may not be there, or adds what may be. */
  readonly mayFail: boolean;
}

/** The nftables table that holds one ingress chain per carp interface with a fast path. */
export const NFT_TABLE = 'carpd';

/** Our filters' preferences on a carpdev start here, far above what `tc` picks by itself (49152 down). */
export const FIRST_PREFERENCE = 50_000;

const FAMILIES = [
  { protocol: 'ip', offset: 0 },
  { protocol: 'ipv6', offset: 1 },
] as const;

/** One preference per MAC and family: two carp interfaces on a carpdev never share a virtual MAC. */
export function filterPreference(mac: MacAddress, family: 0 | 1): number {
  return FIRST_PREFERENCE + (((mac[4] as number) & 0x03) << 9) + ((mac[5] as number) << 1) + family;
}

/** nftables names allow letters, digits, `_` and `.`; interface names allow more, so the chain name is hex. */
export function nftChainName(ifname: string): string {
  return `in_${Buffer.from(ifname, 'utf8').toString('hex')}`;
}

const hex = (value: number, digits: number): string => `0x${value.toString(16).padStart(digits, '0')}`;

/** u32 offsets count from the network header at ingress: the destination MAC starts 14 bytes before it. */
function destinationMacMatch(mac: MacAddress): string[] {
  const high = ((mac[0] as number) << 8) | (mac[1] as number);
  const low = (((mac[2] as number) << 24) | ((mac[3] as number) << 16) | ((mac[4] as number) << 8) | (mac[5] as number)) >>> 0;
  return ['match', 'u16', hex(high, 4), '0xffff', 'at', '-14', 'match', 'u32', hex(low, 8), '0xffffffff', 'at', '-12'];
}

/**
 * In order: the nftables mark first, then carpN's egress, and the carpdev's redirect last. The
 * steps that may fail come together, so that `batches` makes three processes of them: a takeover
 * pays for each process start with the relay's time (docs/benchmarks.md, *Failover*). The qdiscs
 * are added only in case they went missing: each add fails where the qdisc is, as it should.
 */
export function installCommands(spec: FastPathSpec): FastPathCommand[] {
  const { ifname, carpdev, mac } = spec;
  const chain = nftChainName(ifname);
  return [
    { tool: 'nft', args: ['add', 'table', 'netdev', NFT_TABLE], mayFail: false },
    {
      tool: 'nft',
      args: ['add', 'chain', 'netdev', NFT_TABLE, chain, `{ type filter hook ingress device "${ifname}" priority 0 ; }`],
      mayFail: false,
    },
    { tool: 'nft', args: ['flush', 'chain', 'netdev', NFT_TABLE, chain], mayFail: false },
    {
      tool: 'nft',
      args: ['add', 'rule', 'netdev', NFT_TABLE, chain, 'ether', 'daddr', formatMac(mac), 'meta', 'pkttype', 'set', 'host'],
      mayFail: false,
    },
    addClsact(ifname),
    ...flushEgress(ifname),
    // The carpdev may already have a clsact (or ingress) qdisc, ours or someone else's.
    addClsact(carpdev),
    ...removeRedirects(spec),
    ...FAMILIES.map(({ protocol, offset }) => ({
      tool: 'tc' as const,
      args: ['filter', 'add', 'dev', ifname, 'egress', 'pref', String(1 + offset), 'protocol', protocol, 'u32', 'match', 'u32', '0', '0', 'action', 'mirred', 'egress', 'redirect', 'dev', carpdev],
      mayFail: false,
    })),
    ...FAMILIES.map(({ protocol, offset }) => ({
      tool: 'tc' as const,
      args: [
        'filter', 'add', 'dev', carpdev, 'ingress', 'pref', String(filterPreference(mac, offset)), 'protocol', protocol, 'u32',
        ...destinationMacMatch(mac), 'action', 'mirred', 'ingress', 'redirect', 'dev', ifname,
      ],
      mayFail: false,
    })),
  ];
}

/**
 * installCommands in its three runs (the nftables mark, the tc steps that may fail, the rest), so
 * that the installs of several interfaces can share each run's process: all their nftables lines
 * in one `nft -f`, and so on (FastPath installs a takeover's interfaces together).
 */
export function installPhases(spec: FastPathSpec): FastPathCommand[][] {
  return runs(installCommands(spec));
}

/** Consecutive commands of one tool that may fail alike. */
function runs(commands: readonly FastPathCommand[]): FastPathCommand[][] {
  const groups: FastPathCommand[][] = [];
  for (const command of commands) {
    const last = groups.at(-1);
    const first = last?.[0];
    if (last !== undefined && first?.tool === command.tool && first.mayFail === command.mayFail) last.push(command);
    else groups.push([command]);
  }
  return groups;
}

/** Commands run as one process: one per line on the tool's standard input, or `args` alone. */
export interface FastPathBatch {
  readonly tool: FastPathTool;
  readonly args: readonly string[];
  /** The commands, one a line, for `tc -batch -` or `nft -f -`; null when `args` is the one command. */
  readonly input: string | null;
  readonly mayFail: boolean;
}

/**
 * Consecutive commands of one tool that may fail alike, as one process. `tc -force -batch` goes
 * on past a failing line (for steps that may fail); without -force it stops at the first, as the
 * separate commands would; `nft -f` applies all of its lines or none.
 */
export function batches(commands: readonly FastPathCommand[]): FastPathBatch[] {
  return runs(commands).map((group) => {
    const { tool, mayFail } = group[0] as FastPathCommand;
    if (group.length === 1) return { tool, args: (group[0] as FastPathCommand).args, input: null, mayFail };
    const args = tool === 'tc' ? [...(mayFail ? ['-force'] : []), '-batch', '-'] : ['-f', '-'];
    return { tool, args, input: group.map((c) => `${c.args.join(' ')}\n`).join(''), mayFail };
  });
}

/**
 * The tc half, as src/kernel/fast-path-requests.ts removes it by rtnetlink (these commands are its
 * fallback). carpN's egress goes first: a host that left MASTER must stop sending with the virtual
 * MAC at once, or the switch learns it back from its answers (the relay drops what carpN sends in
 * BACKUP). Then the carpdev's redirect.
 */
export function removeTcCommands(spec: FastPathSpec): FastPathCommand[] {
  return [...flushEgress(spec.ifname), ...removeRedirects(spec)];
}

function removeRedirects({ carpdev, mac }: FastPathSpec): FastPathCommand[] {
  return FAMILIES.map(({ offset }) => ({
    tool: 'tc' as const,
    args: ['filter', 'del', 'dev', carpdev, 'ingress', 'pref', String(filterPreference(mac, offset))],
    mayFail: true,
  }));
}

/** Removes carpN's egress redirect: every filter on carpN's egress, which is ours alone. */
function flushEgress(ifname: string): FastPathCommand[] {
  return [{ tool: 'tc', args: ['filter', 'del', 'dev', ifname, 'egress'], mayFail: true }];
}

/** Adds a clsact qdisc to `device`; fails where it has one (or an ingress qdisc), which is as good. */
export function addClsact(device: string): FastPathCommand {
  return { tool: 'tc', args: ['qdisc', 'add', 'dev', device, 'clsact'], mayFail: true };
}

/**
 * What carpd gives a carp interface it has just found, before carpN carries anything: a new,
 * empty clsact qdisc, so that the old one goes with anything a crashed carpd left on carpN.
 */
export function resetEgressCommands(ifname: string): FastPathCommand[] {
  return [{ tool: 'tc', args: ['qdisc', 'del', 'dev', ifname, 'clsact'], mayFail: true }, addClsact(ifname)];
}

/** The nftables mark the redirect needed: harmless without it, so it goes after the tc half. */
export function removeMark(ifname: string): FastPathCommand[] {
  const chain = nftChainName(ifname);
  return [
    { tool: 'nft', args: ['flush', 'chain', 'netdev', NFT_TABLE, chain], mayFail: true },
    { tool: 'nft', args: ['delete', 'chain', 'netdev', NFT_TABLE, chain], mayFail: true },
  ];
}

/** What a crashed carpd may have left: the whole nftables table (the carpdevs' filters go per interface). */
export function removeStaleTable(): FastPathCommand {
  return { tool: 'nft', args: ['delete', 'table', 'netdev', NFT_TABLE], mayFail: true };
}

/**
 * The preferences of our redirects in `tc -json filter show dev CARPDEV ingress` output, so a
 * restarted carpd can remove those a crashed one left on a carpdev.
 */
export function ourPreferences(json: string): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const preferences = new Set<number>();
  for (const entry of parsed) {
    const pref = (entry as { pref?: unknown }).pref;
    if (typeof pref === 'number' && pref >= FIRST_PREFERENCE && pref < FIRST_PREFERENCE + 2048) preferences.add(pref);
  }
  return [...preferences].sort((a, b) => a - b);
}

export function removePreference(carpdev: string, pref: number): FastPathCommand {
  return { tool: 'tc', args: ['filter', 'del', 'dev', carpdev, 'ingress', 'pref', String(pref)], mayFail: true };
}
