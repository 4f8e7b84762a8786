/**
 * The address words of one command or one file line, as OpenBSD's ifconfig reads them: one
 * address `ADDRESS[/PREFIX]`, its family `inet` or `inet6`, its length as `/PREFIX`, `netmask M`
 * or `prefixlen N`, and `alias` or `-alias`, in any order. Each word is checked when it
 * arrives against those before it, so a refusal is always about the word just read, and the
 * caller can tell whether that word came after `pass` (hidden-words.ts).
 */
import { AddressError, type Family, type IpAddress, formatIp, parseIp } from '../wire/address';
import { ADDRESS_FORMS, ConfigError, type WordContext, parseNumber, quote } from './grammar';
import type { AddressSetting } from './settings';

/** A word meant as an address: every keyword starts with a letter or "-" and holds no ":". */
export function isAddressWord(word: string): boolean {
  return /^[0-9]/.test(word) || word.includes(':');
}

const HOST_LENGTH: Readonly<Record<Family, number>> = { 4: 32, 6: 128 };

/** The address words of one command or line, read. */
export interface AddressWordsRead {
  readonly kind: AddressSetting['kind'];
  readonly address: IpAddress;
  /** As given (/PREFIX, netmask, prefixlen), or null. */
  readonly prefixLength: number | null;
}

/**
 * The length of an address given without one: a host address, /32 or /128, as `ip addr add` makes
 * it. The classful mask of 4.4BSD's ifconfig would claim 10.0.0.0/8 for 10.77.0.50, and the
 * carpdev is chosen by the parent's subnet anyway (src/daemon/carpdev-choice.ts).
 */
export function lengthOf(read: AddressWordsRead): number {
  return read.prefixLength ?? HOST_LENGTH[read.address.family];
}

/** The setting a command sends: `-alias` without a length removes the address whatever its length. */
export function addressSetting(read: AddressWordsRead): AddressSetting {
  const address = formatIp(read.address);
  if (read.kind === 'remove') return { kind: 'remove', address, prefixLength: read.prefixLength };
  return { kind: read.kind, address, prefixLength: lengthOf(read) };
}

/** How the length was given, for "given twice" messages (never the value: it may follow pass). */
type LengthWord = '/PREFIX' | 'netmask' | 'prefixlen';

/** Example of each word that needs an address, for its refusal when none is given. */
const MODIFIER_EXAMPLES: Readonly<Record<string, string>> = {
  inet: 'inet 192.0.2.10/24',
  inet6: 'inet6 2001:db8::10/64',
  netmask: '192.0.2.10 netmask 255.255.255.0',
  prefixlen: '2001:db8::10 prefixlen 64',
  alias: 'alias 192.0.2.11',
  '-alias': '-alias 192.0.2.11',
};

export class AddressWords {
  private address: { readonly ip: IpAddress; readonly text: string } | null = null;
  private family: 'inet' | 'inet6' | null = null;
  private length: { readonly value: number; readonly word: LengthWord } | null = null;
  private kind: { readonly value: AddressSetting['kind']; readonly word: string } | null = null;
  /** The first word that needs an address, and where it was: the blame if none comes. */
  private firstModifier: { readonly word: string; readonly at: number } | null = null;

  constructor(private readonly context: WordContext) {}

  /** `ADDRESS[/PREFIX]`. */
  setAddress(text: string): void {
    if (this.address !== null) {
      const one = this.context === 'command' ? 'one address per command' : 'one address per line';
      throw new ConfigError('repeated-word', `an address is given twice: give ${one}, with alias to add another`);
    }
    const slash = text.indexOf('/');
    const ip = this.parseAddress(slash < 0 ? text : text.slice(0, slash));
    const address = { ip, text };
    this.checkFamily(this.family, address);
    this.checkLength(ip.family, this.length);
    if (slash >= 0) this.setLength(prefixLength(text.slice(slash + 1), ip.family), '/PREFIX');
    this.address = address;
  }

  /** `inet` or `inet6`: the family of the command's address, which may come before or after it. */
  setFamily(keyword: 'inet' | 'inet6', at: number): void {
    this.noteModifier(keyword, at);
    if (this.family !== null) {
      const problem = this.family === keyword ? `${keyword} is given twice: give it once` : 'inet and inet6 contradict each other: give one';
      throw new ConfigError('repeated-word', problem);
    }
    this.checkFamily(keyword, this.address);
    this.family = keyword;
  }

  /** `netmask 255.255.255.0` or `netmask 0xffffff00` (IPv4 only). */
  setNetmask(text: string, at: number): void {
    this.noteModifier('netmask', at);
    this.setLength(parseNetmask(text), 'netmask');
  }

  /** `prefixlen N`: 0-32 for IPv4, 0-128 for IPv6. */
  setPrefixlen(text: string, at: number): void {
    this.noteModifier('prefixlen', at);
    this.setLength(parseNumber('prefixlen', text, { min: 0, max: HOST_LENGTH[6] }), 'prefixlen');
  }

  /** `alias` (add another address) or `-alias` (remove this one). */
  setKind(remove: boolean, at: number): void {
    const word = remove ? '-alias' : 'alias';
    this.noteModifier(word, at);
    if (this.kind !== null) {
      const problem = this.kind.word === word ? `${word} is given twice: give it once` : 'alias and -alias contradict each other: give one';
      throw new ConfigError('repeated-word', problem);
    }
    this.kind = { value: remove ? 'remove' : 'alias', word };
  }

  /** Where the refusal of finish() is to be blamed: the first word that needed an address. */
  get blame(): number {
    return this.firstModifier?.at ?? 0;
  }

  /** What was read, or null when no address word was given; refuses a modifier without an address. */
  finish(): AddressWordsRead | null {
    if (this.address === null) {
      if (this.firstModifier === null) return null;
      const { word } = this.firstModifier;
      const where = this.context === 'command' ? 'in the same command' : 'on the same line';
      throw new ConfigError('missing-value', `${word} needs an address ${where}: e.g. ${MODIFIER_EXAMPLES[word] ?? ''}`);
    }
    return { kind: this.kind?.value ?? 'set', address: this.address.ip, prefixLength: this.length?.value ?? null };
  }

  private parseAddress(text: string): IpAddress {
    try {
      return parseIp(text);
    } catch (e: unknown) {
      if (!(e instanceof AddressError)) throw e;
      const forms = this.family === 'inet6' ? ADDRESS_FORMS.inet6 : ADDRESS_FORMS.inet;
      throw new ConfigError('bad-value', `${this.family === null ? '' : `${this.family}: `}${quote(text)} is not an address: ${forms}`);
    }
  }

  private checkFamily(family: 'inet' | 'inet6' | null, address: { readonly ip: IpAddress; readonly text: string } | null): void {
    if (family === null || address === null || address.ip.family === (family === 'inet' ? 4 : 6)) return;
    const right = family === 'inet' ? 'inet6' : 'inet';
    throw new ConfigError('bad-value', `${family} needs an IPv${family === 'inet' ? 4 : 6} address: write ${right} ${address.text}`);
  }

  private noteModifier(word: string, at: number): void {
    this.firstModifier ??= { word, at };
  }

  private setLength(value: number, word: LengthWord): void {
    if (this.length !== null) {
      const words = this.length.word === word ? word : `${this.length.word} and ${word}`;
      throw new ConfigError('repeated-word', `the prefix length is given twice (${words}): give one of /PREFIX, netmask or prefixlen`);
    }
    const length = { value, word };
    if (this.address !== null) this.checkLength(this.address.ip.family, length);
    this.length = length;
  }

  /** A length fits the address: netmask is IPv4's, and prefixlen stays within the family. */
  private checkLength(family: Family, length: { readonly value: number; readonly word: LengthWord } | null): void {
    if (length === null) return;
    if (length.word === 'netmask' && family === 6) {
      throw new ConfigError('bad-value', 'netmask is for IPv4 addresses: write the length of an IPv6 address as 2001:db8::10/64 or prefixlen 64');
    }
    if (length.value > HOST_LENGTH[family]) {
      throw new ConfigError(
        'out-of-range',
        `prefixlen ${length.value} is out of range: valid values are 0-${HOST_LENGTH[family]} for an IPv${family} address`,
      );
    }
  }
}

/** The digits after "/": 0-32 or 0-128. */
function prefixLength(text: string, family: Family): number {
  const max = HOST_LENGTH[family];
  if (!/^[0-9]{1,3}$/.test(text) || Number(text) > max) {
    throw new ConfigError('bad-value', `prefix length ${quote(text)} is not valid: valid values are 0-${max} for an IPv${family} address`);
  }
  return Number(text);
}

/** A contiguous IPv4 mask, dotted (255.255.255.0) or in hex (0xffffff00), as ifconfig takes it. */
export function parseNetmask(text: string): number {
  let mask: number | null = null;
  if (/^0x[0-9a-fA-F]{1,8}$/.test(text)) mask = Number.parseInt(text.slice(2), 16);
  else if (!text.includes(':')) {
    try {
      mask = parseIp(text).bytes.readUInt32BE(0);
    } catch (e: unknown) {
      if (!(e instanceof AddressError)) throw e;
    }
  }
  if (mask === null) {
    throw new ConfigError('bad-value', `netmask ${quote(text)} is not a netmask: write it dotted (255.255.255.0) or in hex (0xffffff00)`);
  }
  const length = Math.clz32(~mask >>> 0);
  if (length < 32 && (mask << length) >>> 0 !== 0) {
    throw new ConfigError('bad-value', `netmask ${text} is not contiguous: its ones must come first, e.g. 255.255.255.0`);
  }
  return length;
}
