/**
 * Words to settings and commands, driven by the token tables of grammar.ts. Like ifconfig, the
 * words come in any order and any subset; unlike ifconfig, a setting given twice (or `up ... down`)
 * is refused instead of "last wins": the parsed form holds one value per setting, and in a file
 * spread over several lines a repeated word is far more often a mistake than an intent.
 */
import type { CarpNode } from '../carp/carpnodes';
import type { BalancingMode } from '../balance/modes';
import { LIMITS } from '../carp/limits';
import { type IpAddress, type IpPrefix, formatIp } from '../wire/address';
import { AddressWords, type AddressWordsRead, addressSetting, isAddressWord, lengthOf } from './address-words';
import {
  ADDRESS_WORD,
  ConfigError,
  DEMOTE_STEP,
  GROUP_TOKENS,
  INTERFACE_TOKENS,
  type InterfaceToken,
  type WordContext,
  matchKeyword,
  parseBalancing,
  parseCarpnodes,
  parseDeviceName,
  parseGroupName,
  parseNumber,
  parsePeer,
  parseState,
  parseSysctlAssignment,
  parseSysctlName,
  quote,
  tokensFor,
} from './grammar';
import { refusalAfterPass } from './hidden-words';
import type { AddressSetting, ForcedState, InterfaceSettings, PassSetting, SysctlAssignment } from './settings';

interface Draft {
  vhid?: number;
  advbase?: number;
  advskew?: number;
  nodes?: CarpNode[];
  balancing?: BalancingMode;
  pass?: PassSetting;
  carpdev?: string | null;
  state?: ForcedState;
  up?: boolean;
  garpRefresh?: number;
  carpver?: number;
  vrrpPriority?: number;
  vrrpInterval?: number;
}

/** How a repeated setting is named in messages: every word that sets it. */
const SETTING_WORDS: Record<keyof Draft, string> = {
  vhid: 'vhid',
  advbase: 'advbase',
  advskew: 'advskew',
  nodes: 'carpnodes',
  balancing: 'balancing',
  pass: 'pass, -pass or passfile',
  carpdev: 'carpdev or -carpdev',
  state: 'state',
  up: 'up or down',
  garpRefresh: 'garp-refresh or -garp-refresh',
  carpver: 'carpver',
  vrrpPriority: 'vrrpprio',
  vrrpInterval: 'vrrpinterval',
};

/**
 * Settings that exclude each other: carpnodes gives every vhid and advskew of the interface, while
 * vhid and advskew set a single carpnode (OpenBSD ifconfig); letting one win would be guessing.
 */
const CONTRADICTIONS: Partial<Record<keyof Draft, readonly (keyof Draft)[]>> = {
  nodes: ['vhid', 'advskew'],
  vhid: ['nodes'],
  advskew: ['nodes'],
};

function peerContradiction(): ConfigError {
  return new ConfigError(
    'repeated-word',
    'carppeer and -carppeer contradict each other: -carppeer removes the peers of both families; give one of them',
  );
}

/** Every carp interface is in this group (OpenBSD); it is not the administrator's to change. */
const CARP_GROUP = 'carp';

/**
 * Whether a refusal of `token`'s words is about its value rather than the keyword: a repetition
 * or a word misplaced is the keyword's fault, and so is any refusal before the token was known.
 */
function refusesValue(token: InterfaceToken | undefined, error: ConfigError): boolean {
  if (token === undefined || token.value === null) return false;
  return error.code !== 'repeated-word' && error.code !== 'not-allowed' && error.code !== 'missing-value';
}

/** A bare address stands for itself: it is its own value, as in `ifconfig carp0 192.0.2.10`. */
const ADDRESS_TOKEN: InterfaceToken = { keyword: 'ADDRESS', action: 'address', value: null };

/**
 * Finds the token for `word` (an address is one too, and so is any word not a keyword right after
 * `inet` or `inet6`, where ifconfig reads the address), or refuses a word that is valid only in the
 * other context.
 */
function matchInterfaceWord(word: string, context: WordContext, afterFamily: boolean): InterfaceToken {
  if (isAddressWord(word)) return ADDRESS_TOKEN;
  const refused = INTERFACE_TOKENS.find((t) => t.keyword === word && t.refusedIn?.[context] !== undefined);
  const reason = refused?.refusedIn?.[context];
  if (reason !== undefined) {
    const where = context === 'file' ? 'in a configuration file' : 'on the command line';
    throw new ConfigError('not-allowed', `${word} is not allowed ${where}: ${reason}`);
  }
  try {
    return matchKeyword(word, tokensFor(context), 'word', [ADDRESS_WORD]);
  } catch (e: unknown) {
    if (afterFamily && e instanceof ConfigError && e.code === 'unknown-word') return ADDRESS_TOKEN;
    throw e;
  }
}

/**
 * Accumulates words, from one command line or from the lines of one file, into InterfaceSettings
 * (plus the addresses of a file, one per line). Every word is checked as it arrives.
 */
export class SettingsBuilder {
  private readonly draft: Draft = {};
  private readonly groupsAdded: string[] = [];
  private readonly groupsRemoved: string[] = [];
  private readonly prefixes: IpPrefix[] = [];
  /** `carppeer` addresses given (canonical text), or null after `-carppeer`. */
  private peers: string[] | null | undefined;
  private address: AddressSetting | undefined;
  /** Where each setting, group or address was first given (a file line, or 0 on a command line). */
  private readonly seen = new Map<string, number>();
  private passfileAt = 0;

  constructor(private readonly context: WordContext) {}

  /**
   * `words` are one command line or one file line; `line` (1-based) makes "given twice" messages
   * point at the first occurrence. A refusal after `pass` hides the words (hidden-words.ts).
   */
  addWords(words: readonly string[], line = 0): void {
    let passAt: number | null = null;
    const hide = (e: unknown, blame: number): unknown =>
      passAt === null || blame <= passAt || !(e instanceof ConfigError) ? e : refusalAfterPass(e, blame - passAt, this.context);
    const address = new AddressWords(this.context);
    let index = 0;
    while (index < words.length) {
      const at = index;
      let token: InterfaceToken | undefined;
      try {
        const previous = at === 0 ? undefined : words[at - 1];
        token = matchInterfaceWord(words[at] ?? '', this.context, previous === 'inet' || previous === 'inet6');
        const value = token.action === 'address' ? (words[at] ?? '') : token.value === null ? '' : words[at + 1];
        if (value === undefined) throw new ConfigError('missing-value', `${token.keyword} needs ${token.value}`);
        this.apply(token, value, line, address, at);
      } catch (e: unknown) {
        throw hide(e, at + (e instanceof ConfigError && refusesValue(token, e) ? 1 : 0));
      }
      if (token.action === 'pass') passAt = at;
      index += token.value === null ? 1 : 2;
    }
    try {
      this.addAddress(address.finish(), line);
    } catch (e: unknown) {
      throw hide(e, address.blame);
    }
  }

  /** The line of the `passfile` word (0 if none), for messages about the file it names. */
  get passfileLine(): number {
    return this.passfileAt;
  }

  settings(): InterfaceSettings {
    return {
      ...this.draft,
      ...(this.groupsAdded.length > 0 ? { groupsAdded: [...this.groupsAdded] } : {}),
      ...(this.groupsRemoved.length > 0 ? { groupsRemoved: [...this.groupsRemoved] } : {}),
      ...(this.address === undefined ? {} : { address: this.address }),
      ...(this.peers === undefined ? {} : { peers: this.peers === null ? null : [...this.peers] }),
    };
  }

  addresses(): readonly IpPrefix[] {
    return [...this.prefixes];
  }

  private apply(token: InterfaceToken, value: string, line: number, address: AddressWords, at: number): void {
    switch (token.action) {
      case 'create':
        throw new ConfigError('not-allowed', 'create must be the first word: carpctl carpN create [settings]');
      case 'destroy':
      case 'stats':
      case 'explain':
        throw new ConfigError('not-allowed', `${token.keyword} takes no other words: carpctl carpN ${token.keyword}`);
      case 'vhid':
      case 'advbase':
      case 'advskew':
        return this.set(token.action, parseNumber(token.keyword, value, LIMITS[token.action]), line);
      case 'carpnodes':
        return this.set('nodes', parseCarpnodes(value), line);
      case 'balancing':
        return this.set('balancing', parseBalancing(value), line);
      case 'pass':
        if (value === '') throw new ConfigError('bad-value', 'pass needs a non-empty passphrase; -pass removes it');
        return this.set('pass', { kind: 'text', text: value }, line);
      case 'no-pass':
        return this.set('pass', { kind: 'none' }, line);
      case 'passfile':
        if (value === '') throw new ConfigError('bad-value', 'passfile needs a file name');
        this.passfileAt = line;
        return this.set('pass', { kind: 'file', path: value }, line);
      case 'carpdev':
        return this.set('carpdev', parseDeviceName(value), line);
      case 'no-carpdev':
        return this.set('carpdev', null, line);
      case 'carppeer':
        return this.addPeer(parsePeer(value), line);
      case 'no-carppeer':
        return this.removePeers(line);
      case 'state':
        return this.set('state', parseState(value), line);
      case 'up':
      case 'down':
        return this.set('up', token.action === 'up', line);
      case 'garp-refresh':
        return this.set('garpRefresh', parseNumber(token.keyword, value, LIMITS.garpRefresh), line);
      case 'no-garp-refresh':
        return this.set('garpRefresh', 0, line);
      case 'carpver':
        return this.set('carpver', parseNumber(token.keyword, value, LIMITS.carpver), line);
      case 'vrrpprio':
        return this.set('vrrpPriority', parseNumber(token.keyword, value, LIMITS.vrrpprio), line);
      case 'vrrpinterval':
        return this.set('vrrpInterval', parseNumber(token.keyword, value, LIMITS.vrrpinterval), line);
      case 'group':
      case 'no-group':
        return this.changeGroup(token.action === 'group', parseGroupName(value), line);
      case 'address':
        return address.setAddress(value);
      case 'inet':
      case 'inet6':
        return address.setFamily(token.action, at);
      case 'netmask':
        return address.setNetmask(value, at);
      case 'prefixlen':
        return address.setPrefixlen(value, at);
      case 'alias':
      case 'no-alias':
        return address.setKind(token.action === 'no-alias', at);
    }
  }

  private set<K extends keyof Draft>(field: K, value: Draft[K], line: number): void {
    for (const other of CONTRADICTIONS[field] ?? []) {
      const first = this.seen.get(other);
      if (first === undefined) continue;
      const where = first > 0 ? ` (${SETTING_WORDS[other]} on line ${first})` : '';
      throw new ConfigError(
        'repeated-word',
        `${SETTING_WORDS[field]} and ${SETTING_WORDS[other]} contradict each other${where}: ` +
          'give either carpnodes VHID:ADVSKEW,... or vhid N [advskew K]',
      );
    }
    this.once(field, SETTING_WORDS[field], line);
    this.draft[field] = value;
  }

  /** Refuses a second occurrence of `key`, naming where the first one was. */
  private once(key: string, label: string, line: number): void {
    const first = this.seen.get(key);
    if (first !== undefined) {
      const where = first > 0 ? ` (first on line ${first})` : '';
      throw new ConfigError('repeated-word', `${label} is given twice${where}: give it once`);
    }
    this.seen.set(key, line);
  }

  private changeGroup(add: boolean, group: string, line: number): void {
    if (group === CARP_GROUP) {
      throw new ConfigError('bad-value', `every carp interface is in group ${CARP_GROUP}: it cannot be added or removed`);
    }
    const other = (add ? this.groupsRemoved : this.groupsAdded).includes(group);
    if (other) {
      throw new ConfigError('repeated-word', `group ${group} is both added and removed: give one of group or -group`);
    }
    this.once(`group ${group}`, `${add ? 'group' : '-group'} ${group}`, line);
    (add ? this.groupsAdded : this.groupsRemoved).push(group);
  }

  /** One peer per family; `-carppeer` removes both, so it cannot be given with one. */
  private addPeer(peer: IpAddress, line: number): void {
    if (this.peers === null) throw peerContradiction();
    this.once(`carppeer ${peer.family}`, `an IPv${peer.family} carppeer`, line);
    this.peers = [...(this.peers ?? []), formatIp(peer)];
  }

  private removePeers(line: number): void {
    if (this.peers !== undefined && this.peers !== null) throw peerContradiction();
    this.once('-carppeer', '-carppeer', line);
    this.peers = null;
  }

  /**
   * A command holds at most one address (AddressWords refuses a second); a file one per line,
   * each added, so that every address of the file appears once.
   */
  private addAddress(read: AddressWordsRead | null, line: number): void {
    if (read === null) return;
    if (this.context === 'command') {
      this.address = addressSetting(read);
      return;
    }
    const key = `address ${formatIp(read.address)}`;
    this.once(key, key, line);
    this.prefixes.push({ address: read.address, prefixLength: lengthOf(read) });
  }
}

// ---------------------------------------------------------------------------------------------
// carpctl's commands.

export type InterfaceCommand =
  | { readonly kind: 'show' }
  | { readonly kind: 'stats' }
  | { readonly kind: 'explain' }
  | { readonly kind: 'destroy' }
  | { readonly kind: 'create'; readonly settings: InterfaceSettings }
  | { readonly kind: 'configure'; readonly settings: InterfaceSettings };

/** The words after `carpctl carpN`: nothing shows it; `create` may be followed by settings. */
export function parseInterfaceCommand(words: readonly string[]): InterfaceCommand {
  const [first] = words;
  if (first === undefined) return { kind: 'show' };
  const token = matchInterfaceWord(first, 'command', false);
  if (token.action === 'stats' || token.action === 'destroy' || token.action === 'explain') {
    if (words.length > 1) {
      throw new ConfigError('not-allowed', `${token.keyword} takes no other words: carpctl carpN ${token.keyword}`);
    }
    return { kind: token.action };
  }
  const builder = new SettingsBuilder('command');
  if (token.action === 'create') {
    builder.addWords(words.slice(1));
    return { kind: 'create', settings: builder.settings() };
  }
  builder.addWords(words);
  return { kind: 'configure', settings: builder.settings() };
}

export type GroupCommand = { readonly kind: 'group-show' } | { readonly kind: 'group-demote'; readonly delta: number };

/** The words after `carpctl -g GROUP`: nothing, `carpdemote [N]` or `-carpdemote [N]` (N: 1). */
export function parseGroupCommand(words: readonly string[]): GroupCommand {
  const [first, count, extra] = words;
  if (first === undefined) return { kind: 'group-show' };
  const token = matchKeyword(first, GROUP_TOKENS, 'word');
  // The count is checked first, so a word after a stray `pass` (carpdemote pass secret) is never quoted.
  const step = count === undefined ? 1 : parseNumber(token.keyword, count, DEMOTE_STEP);
  if (extra !== undefined) {
    throw new ConfigError('unknown-word', `unexpected ${quote(extra)}: ${token.keyword} takes at most one number`);
  }
  return { kind: 'group-demote', delta: token.sign * step };
}

export type SysctlCommand =
  | { readonly kind: 'sysctl-get'; readonly names: readonly string[] }
  | { readonly kind: 'sysctl-set'; readonly assignments: readonly SysctlAssignment[] };

/**
 * `sysctl` alone or `sysctl -a` lists every knob (as OpenBSD sysctl does), `sysctl NAME...` shows
 * some, `sysctl NAME=VALUE...` sets them. Showing and setting in one command are refused, because
 * they travel as different requests and one could succeed without the other. `-w` before
 * assignments is the write flag of older sysctl(8)s (`sysctl -w net.inet.carp.preempt=1`, as the
 * OpenBSD handbook writes it): it changes nothing, since an assignment always writes.
 */
export function parseSysctlCommand(words: readonly string[]): SysctlCommand {
  if (words[0] === '-w') {
    const assignments = words.slice(1);
    if (assignments.length === 0 || assignments.some((w) => !w.includes('='))) {
      throw new ConfigError('not-allowed', '-w sets sysctls: give assignments after it, e.g. sysctl -w net.inet.carp.preempt=1');
    }
    return parseSysctlCommand(assignments);
  }
  if (words.length === 0 || (words.length === 1 && words[0] === '-a')) return { kind: 'sysctl-get', names: [] };
  if (words.includes('-a')) throw new ConfigError('not-allowed', '-a shows every sysctl: give it alone');
  const setting = words.filter((w) => w.includes('='));
  if (setting.length === 0) return { kind: 'sysctl-get', names: words.map(parseSysctlName) };
  if (setting.length !== words.length) {
    throw new ConfigError('not-allowed', 'give either names to show (NAME ...) or assignments to set (NAME=VALUE ...), not both');
  }
  const assignments = words.map(parseSysctlAssignment);
  const names = new Set<string>();
  for (const { name } of assignments) {
    if (names.has(name)) throw new ConfigError('repeated-word', `${name} is assigned twice: give it once`);
    names.add(name);
  }
  return { kind: 'sysctl-set', assignments };
}
