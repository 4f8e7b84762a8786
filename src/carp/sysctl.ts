/**
 * The net.inet.carp.* knobs (docs/protocol.md §5.1) as one catalog: name, valid values, default,
 * how to read and how to write. Values are text, as sysctl(8) shows them. The FreeBSD demotion
 * knob is special: a write adds to it (an adjustment), and its total lives with the demotion
 * counters, so the catalog only parses it.
 */
import { CarpError } from './errors';
import type { MasterDownStyle } from './timing';

export interface SysctlSettings {
  readonly allow: boolean;
  readonly preempt: boolean;
  /** OpenBSD syslog-priority semantics: a message is logged when log >= its priority. */
  readonly log: number;
  /**
   * OBSD-3.5 to 3.9 and MirBSD ARP balancing across carp interfaces that share an address
   * (docs/protocol.md §4.6); the relay applies it, the core only keeps the setting.
   */
  readonly arpbalance: boolean;
  readonly ifdownDemotionFactor: number;
  readonly senderrDemotionFactor: number;
  /** DSCP of advertisements; 4 is TOS 0x10 (IPTOS_LOWDELAY) as OpenBSD and ucarp send. */
  readonly dscp: number;
  readonly masterdown: MasterDownStyle;
  /**
   * Counters that move forward and are checked (replay-window.ts); only between our daemons:
   * OpenBSD, FreeBSD and ucarp peers' advertisements are all dropped (docs/security.md).
   */
  readonly strictCounter: boolean;
  /**
   * Our own knob: whether the unicast IP traffic of a MASTER carp interface without balancing
   * takes the in-kernel path (tc/nftables) instead of the relay; the relay applies it. On by
   * default: a carpd that dies takes the path's traffic with it (the TAP loses its carrier with
   * carpd's descriptor, and tc's mirred refuses a device without one), and the interfaces of a
   * takeover share the install's processes (docs/benchmarks.md, *Scale*).
   */
  readonly fastpath: boolean;
}

export const DEFAULT_SYSCTLS: SysctlSettings = {
  allow: true,
  preempt: false,
  log: 2,
  arpbalance: false,
  ifdownDemotionFactor: 240,
  senderrDemotionFactor: 240,
  dscp: 4,
  masterdown: 'classic',
  strictCounter: false,
  fastpath: true,
};

export const DEMOTION_SYSCTL = 'net.inet.carp.demotion';

/** FreeBSD's demotion total may be adjusted within these bounds (a sanity limit of ours). */
export const DEMOTION_TOTAL_LIMIT = 1_000_000;

/** A parsed write: new settings, or an adjustment of the FreeBSD demotion total. */
export type SysctlWrite =
  | { readonly kind: 'settings'; readonly settings: SysctlSettings }
  | { readonly kind: 'demotion'; readonly delta: number };

interface Knob {
  readonly name: string;
  /** The valid values, as quoted in error messages. */
  readonly valid: string;
  read(settings: SysctlSettings, demotion: number): string;
  /** The new settings or adjustment, or undefined when `text` is not a valid value. */
  write(settings: SysctlSettings, text: string): SysctlWrite | undefined;
}

function parseWhole(text: string, min: number, max: number): number | undefined {
  if (!/^\d{1,7}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

type FlagKey = 'allow' | 'preempt' | 'arpbalance' | 'strictCounter' | 'fastpath';
type NumberKey = 'log' | 'ifdownDemotionFactor' | 'senderrDemotionFactor' | 'dscp';

function flag(name: string, key: FlagKey): Knob {
  return {
    name,
    valid: '0|1',
    read: (s) => (s[key] ? '1' : '0'),
    write: (s, text) =>
      text === '0' || text === '1' ? { kind: 'settings', settings: { ...s, [key]: text === '1' } } : undefined,
  };
}

function range(name: string, key: NumberKey, min: number, max: number): Knob {
  return {
    name,
    valid: `${min}-${max}`,
    read: (s) => String(s[key]),
    write: (s, text) => {
      const value = parseWhole(text, min, max);
      return value === undefined ? undefined : { kind: 'settings', settings: { ...s, [key]: value } };
    },
  };
}

const demotionKnob: Knob = {
  name: DEMOTION_SYSCTL,
  valid: `an integer to add (the total stays within -${DEMOTION_TOTAL_LIMIT}..${DEMOTION_TOTAL_LIMIT})`,
  read: (_s, demotion) => String(demotion),
  write: (_s, text) => {
    if (!/^[+-]?\d{1,7}$/.test(text)) return undefined;
    return { kind: 'demotion', delta: Number(text) };
  },
};

const masterdownKnob: Knob = {
  name: 'net.inet.carp.masterdown',
  valid: 'classic|openbsd',
  read: (s) => s.masterdown,
  write: (s, text) =>
    text === 'classic' || text === 'openbsd' ? { kind: 'settings', settings: { ...s, masterdown: text } } : undefined,
};

/** In listing order. */
const KNOBS: readonly Knob[] = [
  flag('net.inet.carp.allow', 'allow'),
  flag('net.inet.carp.preempt', 'preempt'),
  range('net.inet.carp.log', 'log', 0, 7),
  flag('net.inet.carp.arpbalance', 'arpbalance'),
  demotionKnob,
  range('net.inet.carp.ifdown_demotion_factor', 'ifdownDemotionFactor', 0, 255),
  range('net.inet.carp.senderr_demotion_factor', 'senderrDemotionFactor', 0, 255),
  range('net.inet.carp.dscp', 'dscp', 0, 63),
  masterdownKnob,
  flag('net.inet.carp.strict_counter', 'strictCounter'),
  flag('net.inet.carp.fastpath', 'fastpath'),
];

function knob(name: string): Knob {
  const found = KNOBS.find((k) => k.name === name);
  if (found === undefined) {
    throw new CarpError('bad-sysctl', `unknown sysctl "${name}": valid names are ${KNOBS.map((k) => k.name).join(', ')}`);
  }
  return found;
}

export function readSysctl(settings: SysctlSettings, demotion: number, name: string): string {
  return knob(name).read(settings, demotion);
}

export function listSysctls(settings: SysctlSettings, demotion: number): (readonly [string, string])[] {
  return KNOBS.map((k) => [k.name, k.read(settings, demotion)] as const);
}

/** Parses a write of `text` to `name`; throws bad-sysctl naming the valid values. */
export function parseSysctlWrite(settings: SysctlSettings, name: string, text: string): SysctlWrite {
  const target = knob(name);
  const write = target.write(settings, text);
  if (write === undefined) {
    throw new CarpError('bad-sysctl', `${name}: "${text}" is not valid: valid values are ${target.valid}`);
  }
  return write;
}
