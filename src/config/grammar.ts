/**
 * The ifconfig-like grammar as data: token tables, unique-prefix keyword matching (OpenBSD
 * ospfctl/parser.c: an exact keyword wins, else the only keyword the word starts; anything else
 * names the candidates or the valid words), and the value parsers. Ranges come from
 * src/carp/limits.ts and carpnodes lists are checked by src/balance, so carpctl, the configuration
 * files and the core refuse with the same words.
 */
import { type CarpNode, checkCarpnodes } from '../carp/carpnodes';
import { BALANCING_MODE_NAMES, type BalancingMode } from '../balance/modes';
import { CarpError } from '../carp/errors';
import { CARP_INTERFACE_NAME, CARP_INTERFACE_NAMES, LIMITS, type Range, checkRange } from '../carp/limits';
import { checkPeer } from '../carp/peers';
import { AddressError, type IpAddress, parseIp } from '../wire/address';
import type { ForcedState, SysctlAssignment } from './settings';

export type ConfigErrorCode =
  | 'unknown-word'
  | 'ambiguous-word'
  | 'missing-value'
  | 'bad-value'
  | 'out-of-range'
  | 'repeated-word' // a setting given twice, or contradicting words (up ... down)
  | 'not-allowed' // a word valid elsewhere but not here (state in a file, inet on the command line)
  | 'bad-passfile'
  | 'bad-file';

/** A refused word, value, file or passfile: the message names the valid words or range. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly code: ConfigErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Quotes user text for a message; JSON escaping keeps control characters off the terminal. */
export function quote(text: string): string {
  return JSON.stringify(text);
}

/** "a, b or c". */
export function wordList(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] ?? ''}`;
}

export function rangeText(range: Range): string {
  return `${range.min}-${range.max}`;
}

export interface Keyword {
  readonly keyword: string;
}

/**
 * The token whose keyword is `word`, or the only one that `word` is a prefix of. `what` names the
 * kind of word in messages ("word", "state", "command").
 */
export function matchKeyword<T extends Keyword>(word: string, tokens: readonly T[], what: string, alsoValid: readonly string[] = []): T {
  const exact = tokens.find((t) => t.keyword === word);
  if (exact !== undefined) return exact;
  const candidates = word === '' ? [] : tokens.filter((t) => t.keyword.startsWith(word));
  const [only] = candidates;
  if (only !== undefined && candidates.length === 1) return only;
  if (candidates.length > 1) {
    const names = candidates.map((t) => t.keyword);
    throw new ConfigError('ambiguous-word', `${what} ${quote(word)} is ambiguous: it could be ${wordList(names)}`);
  }
  const valid = [...tokens.map((t) => t.keyword), ...alsoValid];
  throw new ConfigError('unknown-word', `unknown ${what} ${quote(word)}: valid ${what}s are ${wordList(valid)}`);
}

// ---------------------------------------------------------------------------------------------
// Token tables.

/** Where a word is read: carpctl's argument list or a DIR/carpN.conf file. */
export type WordContext = 'command' | 'file';

export type InterfaceAction =
  | 'create'
  | 'destroy'
  | 'stats'
  | 'explain'
  | 'vhid'
  | 'advbase'
  | 'advskew'
  | 'carpnodes'
  | 'balancing'
  | 'pass'
  | 'no-pass'
  | 'passfile'
  | 'carpdev'
  | 'no-carpdev'
  | 'carppeer'
  | 'no-carppeer'
  | 'state'
  | 'up'
  | 'down'
  | 'group'
  | 'no-group'
  | 'garp-refresh'
  | 'no-garp-refresh'
  | 'carpver'
  | 'vrrpprio'
  | 'vrrpinterval'
  | 'address' // ADDRESS[/PREFIX] alone: not a keyword, recognised by its form
  | 'inet'
  | 'inet6'
  | 'netmask'
  | 'prefixlen'
  | 'alias'
  | 'no-alias';

export interface InterfaceToken extends Keyword {
  readonly action: InterfaceAction;
  /** What must follow the keyword, as messages describe it; null for a keyword alone. */
  readonly value: string | null;
  /** Why the word is refused in a context, for the contexts that refuse it. */
  readonly refusedIn?: Partial<Record<WordContext, string>>;
}

const NOT_A_SETTING = 'a configuration file holds settings only';

/** The forms of an address, for the messages that ask for one. */
export const ADDRESS_FORMS = {
  inet: 'e.g. 192.0.2.10/24, or 192.0.2.10 netmask 255.255.255.0',
  inet6: 'e.g. 2001:db8::10/64, or 2001:db8::10 prefixlen 64',
} as const;

/** The words after `carpctl carpN` and in `carpN.conf` (OpenBSD ifconfig's carp words). */
export const INTERFACE_TOKENS: readonly InterfaceToken[] = [
  {
    keyword: 'create',
    action: 'create',
    value: null,
    refusedIn: { file: `${NOT_A_SETTING}: the file itself creates the interface` },
  },
  {
    keyword: 'destroy',
    action: 'destroy',
    value: null,
    refusedIn: { file: `${NOT_A_SETTING}: remove the file to stop configuring the interface` },
  },
  { keyword: 'stats', action: 'stats', value: null, refusedIn: { file: `${NOT_A_SETTING}: stats shows counters` } },
  {
    keyword: 'explain',
    action: 'explain',
    value: null,
    refusedIn: { file: `${NOT_A_SETTING}: explain shows why each vhid is in its state` },
  },
  { keyword: 'vhid', action: 'vhid', value: `a number ${rangeText(LIMITS.vhid)}` },
  { keyword: 'advbase', action: 'advbase', value: `a number ${rangeText(LIMITS.advbase)}` },
  { keyword: 'advskew', action: 'advskew', value: `a number ${rangeText(LIMITS.advskew)}` },
  { keyword: 'carpnodes', action: 'carpnodes', value: 'VHID:ADVSKEW[,VHID:ADVSKEW...] (e.g. carpnodes 1:0,2:100)' },
  { keyword: 'balancing', action: 'balancing', value: wordList(BALANCING_MODE_NAMES) },
  { keyword: 'pass', action: 'pass', value: 'a passphrase' },
  { keyword: '-pass', action: 'no-pass', value: null },
  { keyword: 'passfile', action: 'passfile', value: 'a file name' },
  { keyword: 'carpdev', action: 'carpdev', value: 'an interface name (e.g. carpdev eth0)' },
  { keyword: '-carpdev', action: 'no-carpdev', value: null },
  { keyword: 'carppeer', action: 'carppeer', value: 'the unicast address of the other CARP host (e.g. carppeer 192.0.2.2 or carppeer 2001:db8::2)' },
  { keyword: '-carppeer', action: 'no-carppeer', value: null },
  {
    keyword: 'state',
    action: 'state',
    value: 'init, backup or master',
    refusedIn: { file: 'the state is decided by CARP at run time; force it with carpctl carpN state backup|master' },
  },
  { keyword: 'up', action: 'up', value: null },
  { keyword: 'down', action: 'down', value: null },
  { keyword: 'group', action: 'group', value: 'a group name' },
  { keyword: '-group', action: 'no-group', value: 'a group name' },
  {
    keyword: 'garp-refresh',
    action: 'garp-refresh',
    value: `seconds ${rangeText({ min: 1, max: LIMITS.garpRefresh.max })}, or 0 to turn it off`,
  },
  { keyword: '-garp-refresh', action: 'no-garp-refresh', value: null },
  { keyword: 'carpver', action: 'carpver', value: '2 (CARP) or 3 (VRRPv3), given with vhid N' },
  { keyword: 'vrrpprio', action: 'vrrpprio', value: `a priority ${rangeText(LIMITS.vrrpprio)} (carpver 3)` },
  { keyword: 'vrrpinterval', action: 'vrrpinterval', value: `centiseconds ${rangeText(LIMITS.vrrpinterval)} (carpver 3)` },
  // The address family, as in `ifconfig carp0 inet alias 192.0.2.11`: the address may come anywhere.
  { keyword: 'inet', action: 'inet', value: null },
  { keyword: 'inet6', action: 'inet6', value: null },
  { keyword: 'netmask', action: 'netmask', value: 'a netmask (e.g. netmask 255.255.255.0 or netmask 0xffffff00)' },
  { keyword: 'prefixlen', action: 'prefixlen', value: 'a prefix length (e.g. prefixlen 64)' },
  { keyword: 'alias', action: 'alias', value: null },
  {
    keyword: '-alias',
    action: 'no-alias',
    value: null,
    refusedIn: { file: `${NOT_A_SETTING}: it lists the addresses carpN gets; remove one with carpctl carpN -alias ADDRESS` },
  },
];

/** What a word that is no keyword may be, for the list of valid words. */
export const ADDRESS_WORD = 'an address (ADDRESS[/PREFIX], e.g. 192.0.2.10/24)';

export function tokensFor(context: WordContext): readonly InterfaceToken[] {
  return INTERFACE_TOKENS.filter((t) => t.refusedIn?.[context] === undefined);
}

/** The words after `carpctl -g GROUP` (OpenBSD `ifconfig -g GROUP [-]carpdemote [N]`). */
export interface GroupToken extends Keyword {
  /** +1 raises the group's demote counter, -1 lowers it. */
  readonly sign: 1 | -1;
}

export const GROUP_TOKENS: readonly GroupToken[] = [
  { keyword: 'carpdemote', sign: 1 },
  { keyword: '-carpdemote', sign: -1 },
];

/** carpdemote N: a step that can be taken at all within a counter's range. */
export const DEMOTE_STEP: Range = { min: 1, max: LIMITS.groupDemote.max };

const STATE_TOKENS: readonly (Keyword & { readonly state: ForcedState })[] = [
  { keyword: 'init', state: 'INIT' },
  { keyword: 'backup', state: 'BACKUP' },
  { keyword: 'master', state: 'MASTER' },
];

// ---------------------------------------------------------------------------------------------
// Value parsers.

/** A decimal integer within `range`; "1x", "0x10", "-1", "1.5" and "" are refused. */
export function parseNumber(what: string, text: string, range: Range): number {
  if (!/^[0-9]{1,9}$/.test(text)) {
    throw new ConfigError('bad-value', `${what} ${quote(text)} is not a number: valid values are ${rangeText(range)}`);
  }
  return checkNumber(what, Number(text), range);
}

/** checkRange of the core, as a ConfigError with the core's wording. */
export function checkNumber(what: string, value: number, range: Range): number {
  return withConfigError(() => checkRange(what, value, range));
}

/** Runs a check of the core or of src/balance, turning its refusal into a ConfigError with its words. */
function withConfigError<T>(check: () => T): T {
  try {
    return check();
  } catch (e: unknown) {
    if (e instanceof CarpError && (e.code === 'out-of-range' || e.code === 'bad-value')) throw new ConfigError(e.code, e.message);
    throw e;
  }
}

/** One `VHID:ADVSKEW` of a carpnodes list: decimal digits only, ranges checked with the whole list. */
const CARPNODE_ENTRY = /^([0-9]{1,9}):([0-9]{1,9})$/;

/** `carpnodes 1:0,2:100`: the list checked by src/balance and sorted by vhid. */
export function parseCarpnodes(text: string): CarpNode[] {
  const nodes = text.split(',').map((entry) => {
    const match = CARPNODE_ENTRY.exec(entry);
    if (match === null) {
      throw new ConfigError('bad-value', `carpnodes entry ${quote(entry)} is not VHID:ADVSKEW: write e.g. carpnodes 1:0,2:100`);
    }
    return { vhid: Number(match[1]), advskew: Number(match[2]) };
  });
  return checkCarpnodeList(nodes);
}

/** checkCarpnodes of src/balance, as a ConfigError with its wording. */
export function checkCarpnodeList(nodes: readonly CarpNode[]): CarpNode[] {
  return withConfigError(() => checkCarpnodes(nodes));
}

/** `carppeer ADDRESS`: a unicast address as the core accepts it (src/carp/peers.ts). */
export function parsePeer(text: string): IpAddress {
  let peer: IpAddress;
  try {
    peer = parseIp(text);
  } catch (e: unknown) {
    if (!(e instanceof AddressError)) throw e;
    throw new ConfigError(
      'bad-value',
      `carppeer ${quote(text)} is not an address: give the unicast address of the other CARP host, e.g. carppeer 192.0.2.2 or carppeer 2001:db8::2`,
    );
  }
  withConfigError(() => checkPeer(peer));
  return peer;
}

/** Linux IFNAMSIZ is 16 with the NUL. */
const MAX_IFNAME_BYTES = 15;

/** carpN, as the core accepts it. */
export function parseCarpInterfaceName(text: string): string {
  if (!CARP_INTERFACE_NAME.test(text)) {
    throw new ConfigError('bad-value', `${quote(text)} is not a carp interface name: use ${CARP_INTERFACE_NAMES}`);
  }
  return text;
}

/** A Linux interface name (the kernel's dev_valid_name) that is not itself a carp interface. */
export function parseDeviceName(text: string): string {
  const bytes = Buffer.byteLength(text);
  if (bytes === 0 || bytes > MAX_IFNAME_BYTES || text === '.' || text === '..' || /[/:\s]/.test(text)) {
    throw new ConfigError(
      'bad-value',
      `${quote(text)} is not an interface name: 1-${MAX_IFNAME_BYTES} bytes without "/", ":" or spaces`,
    );
  }
  if (CARP_INTERFACE_NAME.test(text)) {
    throw new ConfigError('bad-value', `carpdev ${text} is a carp interface: the carpdev is the parent interface, e.g. eth0`);
  }
  return text;
}

/** OpenBSD interface groups: at most 15 characters, not ending in a digit (ifconfig(8)). */
export function parseGroupName(text: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(text) || text.length > MAX_IFNAME_BYTES) {
    throw new ConfigError(
      'bad-value',
      `${quote(text)} is not a group name: 1-${MAX_IFNAME_BYTES} letters, digits, "_", "." or "-", starting with a letter or "_"`,
    );
  }
  if (/[0-9]$/.test(text)) {
    throw new ConfigError('bad-value', `group name ${quote(text)} ends in a digit: group names must not, as on OpenBSD`);
  }
  return text;
}

const BALANCING_TOKENS: readonly (Keyword & { readonly mode: BalancingMode })[] = BALANCING_MODE_NAMES.map((mode) => ({
  keyword: mode,
  mode,
}));

/** `balancing` values, by unique prefix like keywords: `ip-s` is ip-stealth, `ip-` is ambiguous. */
export function parseBalancing(text: string): BalancingMode {
  return matchKeyword(text, BALANCING_TOKENS, 'balancing mode').mode;
}

/** `state` values; case-insensitive because the status output prints them in capitals. */
export function parseState(text: string): ForcedState {
  return matchKeyword(text.toLowerCase(), STATE_TOKENS, 'state').state;
}

const SYSCTL_NAME = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const SYSCTL_VALUE = /^[A-Za-z0-9_.+-]+$/;

export function parseSysctlName(text: string): string {
  if (!SYSCTL_NAME.test(text)) {
    throw new ConfigError('bad-value', `${quote(text)} is not a sysctl name: dotted lower-case words, e.g. net.inet.carp.preempt`);
  }
  return text;
}

/** A knob's value as text; its meaning is checked by the core's catalog. */
export function parseSysctlValue(name: string, value: string): string {
  if (!SYSCTL_VALUE.test(value)) {
    throw new ConfigError('bad-value', `${name}: value ${quote(value)} is not a single word (letters, digits, "_", ".", "+" or "-")`);
  }
  return value;
}

/** `name=value`, e.g. net.inet.carp.preempt=1. */
export function parseSysctlAssignment(text: string): SysctlAssignment {
  const equals = text.indexOf('=');
  if (equals < 0) {
    throw new ConfigError('bad-value', `${quote(text)} is not an assignment: write name=value, e.g. net.inet.carp.preempt=1`);
  }
  const name = parseSysctlName(text.slice(0, equals));
  return { name, value: parseSysctlValue(name, text.slice(equals + 1)) };
}
