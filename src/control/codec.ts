/**
 * Lines of the control protocol: encoding, and strict decoding of what arrives. The daemon gets a
 * fully typed, range-checked Request or a ProtocolError/ConfigError naming the bad field; carpctl
 * gets a Response whose envelope and result shape were checked.
 */
import type { CarpNode } from '../carp/carpnodes';
import { BALANCING_MODE_NAMES, type BalancingMode } from '../balance/modes';
import { LIMITS } from '../carp/limits';
import {
  checkCarpnodeList,
  checkNumber,
  parseCarpInterfaceName,
  parseDeviceName,
  parsePeer,
  parseGroupName,
  parseSysctlName,
  parseSysctlValue,
  quote,
} from '../config/grammar';
import type { AddressSetting, ForcedState, ResolvedInterfaceSettings, ResolvedPassSetting, SysctlAssignment } from '../config/settings';
import { AddressError, type IpAddress, formatIp, parseIp } from '../wire/address';
import {
  CONTROL_PROTOCOL_VERSION,
  type ErrorDto,
  type MonitorEventDto,
  ProtocolError,
  type Request,
  type RequestOf,
  type RequestType,
  type Response,
  type Result,
  type ResultFor,
} from './protocol';

type JsonObject = Readonly<Record<string, unknown>>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function encodeRequest(request: Request): string {
  return JSON.stringify({ version: CONTROL_PROTOCOL_VERSION, ...request });
}

export function encodeResponse(response: Response): string {
  return JSON.stringify(response);
}

export function okResponse(result: Result): Response {
  return { version: CONTROL_PROTOCOL_VERSION, ok: true, result };
}

export function errorResponse(error: ErrorDto): Response {
  return { version: CONTROL_PROTOCOL_VERSION, ok: false, error: { code: error.code, message: error.message } };
}

/** An error thrown by a handler or a decoder as it goes on the wire. */
export function errorDtoOf(e: unknown): ErrorDto {
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') return { code: e.code, message: e.message };
  return { code: 'internal', message: `internal error: ${e instanceof Error ? e.message : String(e)}` };
}

// ---------------------------------------------------------------------------------------------
// Requests.

/** Parses and validates one request line; throws ProtocolError, or ConfigError for a bad value. */
export function decodeRequest(line: string): Request {
  const message = parseObject(line, 'request', 'bad-request');
  checkVersion(message, 'bad-request');
  const type = message.type;
  if (typeof type !== 'string' || !Object.hasOwn(REQUEST_DECODERS, type)) {
    const valid = Object.keys(REQUEST_DECODERS).join(', ');
    throw badRequest(`unknown request type ${quote(String(type))}: valid types are ${valid}`);
  }
  return REQUEST_DECODERS[type as RequestType](message);
}

const REQUEST_DECODERS: { readonly [T in RequestType]: (message: JsonObject) => RequestOf<T> } = {
  show: (m) => {
    fields(m, ['ifname']);
    return { type: 'show', ifname: m.ifname === null || m.ifname === undefined ? null : ifnameOf(m) };
  },
  create: (m) => {
    fields(m, ['ifname', 'settings']);
    return { type: 'create', ifname: ifnameOf(m), settings: m.settings === undefined ? {} : decodeSettings(m.settings) };
  },
  destroy: (m) => {
    fields(m, ['ifname']);
    return { type: 'destroy', ifname: ifnameOf(m) };
  },
  configure: (m) => {
    fields(m, ['ifname', 'settings']);
    return { type: 'configure', ifname: ifnameOf(m), settings: decodeSettings(m.settings) };
  },
  'group-demote': (m) => {
    fields(m, ['group', 'delta']);
    const delta = integer(m.delta, 'delta');
    const max = LIMITS.groupDemote.max;
    if (delta === 0 || Math.abs(delta) > max) {
      throw badRequest(`delta ${delta} is out of range: valid values are -${max}-${max} except 0`);
    }
    return { type: 'group-demote', group: parseGroupName(string(m.group, 'group')), delta };
  },
  'group-show': (m) => {
    fields(m, ['group']);
    return { type: 'group-show', group: parseGroupName(string(m.group, 'group')) };
  },
  'sysctl-get': (m) => {
    fields(m, ['names']);
    return { type: 'sysctl-get', names: array(m.names, 'names').map((n, i) => parseSysctlName(string(n, `names[${i}]`))) };
  },
  'sysctl-set': (m) => {
    fields(m, ['assignments']);
    const assignments = array(m.assignments, 'assignments').map(decodeAssignment);
    if (assignments.length === 0) throw badRequest('assignments must not be empty');
    return { type: 'sysctl-set', assignments };
  },
  counters: (m) => {
    fields(m, []);
    return { type: 'counters' };
  },
  explain: (m) => {
    fields(m, ['ifname']);
    return { type: 'explain', ifname: ifnameOf(m) };
  },
  monitor: (m) => {
    fields(m, []);
    return { type: 'monitor' };
  },
  'maintenance-get': (m) => {
    fields(m, []);
    return { type: 'maintenance-get' };
  },
  'maintenance-set': (m) => {
    fields(m, ['on']);
    return { type: 'maintenance-set', on: boolean(m.on, 'on') };
  },
  reload: (m) => {
    fields(m, []);
    return { type: 'reload' };
  },
};

function ifnameOf(message: JsonObject): string {
  return parseCarpInterfaceName(string(message.ifname, 'ifname'));
}

function decodeAssignment(value: unknown, index: number): SysctlAssignment {
  const what = `assignments[${index}]`;
  const o = object(value, what);
  fields(o, ['name', 'value'], []);
  const name = parseSysctlName(string(o.name, `${what}.name`));
  return { name, value: parseSysctlValue(name, string(o.value, `${what}.value`)) };
}

const SETTING_FIELDS = [
  'vhid',
  'advbase',
  'advskew',
  'nodes',
  'balancing',
  'pass',
  'carpdev',
  'state',
  'up',
  'groupsAdded',
  'groupsRemoved',
  'garpRefresh',
  'carpver',
  'vrrpPriority',
  'vrrpInterval',
  'address',
  'peers',
] as const satisfies readonly (keyof ResolvedInterfaceSettings)[];

/** The same checks as the grammar: the daemon may trust every field it receives. */
function decodeSettings(value: unknown): ResolvedInterfaceSettings {
  const o = object(value, 'settings');
  fields(o, SETTING_FIELDS, []);
  const s: Mutable<ResolvedInterfaceSettings> = {};
  if (o.vhid !== undefined) s.vhid = checkNumber('vhid', integer(o.vhid, 'vhid'), LIMITS.vhid);
  if (o.advbase !== undefined) s.advbase = checkNumber('advbase', integer(o.advbase, 'advbase'), LIMITS.advbase);
  if (o.advskew !== undefined) s.advskew = checkNumber('advskew', integer(o.advskew, 'advskew'), LIMITS.advskew);
  if (o.nodes !== undefined) {
    if (s.vhid !== undefined || s.advskew !== undefined) {
      throw badRequest('nodes cannot be combined with vhid or advskew: nodes sets every vhid and advskew');
    }
    s.nodes = checkCarpnodeList(array(o.nodes, 'nodes').map(decodeNode));
  }
  if (o.balancing !== undefined) s.balancing = balancingMode(o.balancing);
  if (o.pass !== undefined) s.pass = decodePass(o.pass);
  if (o.carpdev !== undefined) s.carpdev = o.carpdev === null ? null : parseDeviceName(string(o.carpdev, 'carpdev'));
  if (o.state !== undefined) s.state = forcedState(o.state);
  if (o.up !== undefined) s.up = boolean(o.up, 'up');
  if (o.groupsAdded !== undefined) s.groupsAdded = groups(o.groupsAdded, 'groupsAdded');
  if (o.groupsRemoved !== undefined) s.groupsRemoved = groups(o.groupsRemoved, 'groupsRemoved');
  if (o.garpRefresh !== undefined) s.garpRefresh = checkNumber('garp-refresh', integer(o.garpRefresh, 'garpRefresh'), LIMITS.garpRefresh);
  if (o.carpver !== undefined) s.carpver = checkNumber('carpver', integer(o.carpver, 'carpver'), LIMITS.carpver);
  if (o.vrrpPriority !== undefined) s.vrrpPriority = checkNumber('vrrpprio', integer(o.vrrpPriority, 'vrrpPriority'), LIMITS.vrrpprio);
  if (o.vrrpInterval !== undefined) s.vrrpInterval = checkNumber('vrrpinterval', integer(o.vrrpInterval, 'vrrpInterval'), LIMITS.vrrpinterval);
  if (o.address !== undefined) s.address = decodeAddress(o.address);
  if (o.peers !== undefined) s.peers = o.peers === null ? null : decodePeers(o.peers);
  return s;
}

/** `carppeer` addresses: unicast, at most one per family, in canonical text. */
function decodePeers(value: unknown): string[] {
  const peers = array(value, 'peers').map((item, index) => parsePeer(string(item, `peers[${index}]`)));
  if (new Set(peers.map((p) => p.family)).size !== peers.length) throw badRequest('peers holds at most one address per family');
  return peers.map(formatIp);
}

const ADDRESS_KINDS: readonly AddressSetting['kind'][] = ['set', 'alias', 'remove'];

/** An address word: a valid address, and a length within its family (none only for remove). */
function decodeAddress(value: unknown): AddressSetting {
  const o = object(value, 'address');
  fields(o, ['kind', 'address', 'prefixLength'], []);
  const kind = ADDRESS_KINDS.find((k) => k === o.kind);
  if (kind === undefined) throw badRequest(`address.kind must be one of ${ADDRESS_KINDS.join(', ')}`);
  let address: IpAddress;
  try {
    address = parseIp(string(o.address, 'address.address'));
  } catch (e: unknown) {
    if (e instanceof AddressError) throw badRequest(`address.address: ${e.message}`);
    throw e;
  }
  const max = address.family === 4 ? 32 : 128;
  const text = formatIp(address);
  if (kind === 'remove' && o.prefixLength === null) return { kind, address: text, prefixLength: null };
  const prefixLength = checkNumber('address.prefixLength', integer(o.prefixLength, 'address.prefixLength'), { min: 0, max });
  return { kind, address: text, prefixLength };
}

/** Only text or none: a passfile is read by carpctl, never by the daemon on a client's behalf. */
function decodePass(value: unknown): ResolvedPassSetting {
  const o = object(value, 'pass');
  if (o.kind === 'none') {
    fields(o, ['kind'], []);
    return { kind: 'none' };
  }
  if (o.kind === 'text') {
    fields(o, ['kind', 'text'], []);
    const text = string(o.text, 'pass.text');
    if (text === '') throw badRequest('pass.text must not be empty; kind "none" removes the passphrase');
    return { kind: 'text', text };
  }
  throw badRequest('pass.kind must be "text" or "none"');
}

function decodeNode(value: unknown, index: number): CarpNode {
  const what = `nodes[${index}]`;
  const o = object(value, what);
  fields(o, ['vhid', 'advskew'], []);
  return { vhid: integer(o.vhid, `${what}.vhid`), advskew: integer(o.advskew, `${what}.advskew`) };
}

/** The exact name: prefixes are carpctl's convenience, not part of the protocol. */
function balancingMode(value: unknown): BalancingMode {
  const mode = BALANCING_MODE_NAMES.find((m) => m === value);
  if (mode === undefined) throw badRequest(`balancing must be one of ${BALANCING_MODE_NAMES.join(', ')}`);
  return mode;
}

const STATES: readonly ForcedState[] = ['INIT', 'BACKUP', 'MASTER'];

function forcedState(value: unknown): ForcedState {
  const state = STATES.find((s) => s === value);
  if (state === undefined) throw badRequest(`state must be one of ${STATES.join(', ')}`);
  return state;
}

function groups(value: unknown, what: string): string[] {
  return array(value, what).map((g, i) => parseGroupName(string(g, `${what}[${i}]`)));
}

// ---------------------------------------------------------------------------------------------
// Responses.

export type DecodedResponse<T extends RequestType> =
  | { readonly ok: true; readonly result: ResultFor<T> }
  | { readonly ok: false; readonly error: ErrorDto };

/** Parses a response to a request of `type`; throws ProtocolError `bad-response` when malformed. */
export function decodeResponse<T extends RequestType>(line: string, type: T): DecodedResponse<T> {
  const message = parseObject(line, 'response', 'bad-response');
  checkVersion(message, 'bad-response');
  if (message.ok === false) {
    const error = object(message.error, 'error', 'bad-response');
    if (typeof error.code !== 'string' || typeof error.message !== 'string') {
      throw new ProtocolError('bad-response', 'the error of the response has no code or message');
    }
    return { ok: false, error: { code: error.code, message: error.message } };
  }
  if (message.ok !== true) throw new ProtocolError('bad-response', 'the response has no ok field');
  const result = object(message.result, 'result', 'bad-response');
  const [field, check] = RESULT_SHAPES[type];
  if (!check(result[field])) throw new ProtocolError('bad-response', `the ${type} result has no valid ${field} field`);
  return { ok: true, result: result as unknown as ResultFor<T> };
}

const isArray = (v: unknown): boolean => Array.isArray(v);
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isMaintenance = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && typeof (v as { on?: unknown }).on === 'boolean' && typeof (v as { demotion?: unknown }).demotion === 'number';

/** The field that identifies each result shape; the formatters rely on it. */
const RESULT_SHAPES: { readonly [T in RequestType]: readonly [string, (value: unknown) => boolean] } = {
  show: ['interfaces', isArray],
  create: ['warnings', isStringArray],
  destroy: ['warnings', isStringArray],
  configure: ['warnings', isStringArray],
  'group-demote': ['warnings', isStringArray],
  'group-show': ['demote', (v) => typeof v === 'number'],
  'sysctl-get': ['values', isArray],
  'sysctl-set': ['changes', isArray],
  counters: ['counters', isObject],
  explain: ['explanation', isObject],
  monitor: ['monitoring', (v) => v === true],
  'maintenance-get': ['maintenance', isMaintenance],
  'maintenance-set': ['maintenance', isMaintenance],
  reload: ['warnings', isStringArray],
};

// ---------------------------------------------------------------------------------------------
// Events of a monitor connection.

export function encodeEvent(event: MonitorEventDto): string {
  return JSON.stringify({ version: CONTROL_PROTOCOL_VERSION, event });
}

const EVENT_KINDS: readonly MonitorEventDto['kind'][] = ['state', 'demotion', 'interface'];

/** Parses an event line; throws ProtocolError `bad-response` when it is not one. */
export function decodeEvent(line: string): MonitorEventDto {
  const message = parseObject(line, 'event', 'bad-response');
  checkVersion(message, 'bad-response');
  const event = object(message.event, 'event', 'bad-response');
  if (!EVENT_KINDS.some((k) => k === event.kind) || typeof event.time !== 'string') {
    throw new ProtocolError('bad-response', 'the event has no valid kind or time');
  }
  return event as unknown as MonitorEventDto;
}

// ---------------------------------------------------------------------------------------------
// Field checks.

function badRequest(message: string): ProtocolError {
  return new ProtocolError('bad-request', message);
}

function parseObject(line: string, what: string, code: 'bad-request' | 'bad-response'): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolError(code, `the ${what} is not valid JSON`);
  }
  return object(value, what, code);
}

function checkVersion(message: JsonObject, code: 'bad-request' | 'bad-response'): void {
  if (message.version === CONTROL_PROTOCOL_VERSION) return;
  const theirs = code === 'bad-request' ? 'the request' : 'carpd';
  const versions = `${theirs} speaks control protocol version ${String(message.version)}, this side speaks ${CONTROL_PROTOCOL_VERSION}`;
  throw new ProtocolError(
    code === 'bad-request' ? 'unsupported-version' : 'bad-response',
    `${versions}: use the carpctl installed with this carpd`,
  );
}

function object(value: unknown, what: string, code: 'bad-request' | 'bad-response' = 'bad-request'): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(code, `${what} must be a JSON object`);
  }
  return value as JsonObject;
}

/** Refuses fields a request type does not have (a misspelt field would otherwise be ignored). */
function fields(o: JsonObject, allowed: readonly string[], envelope: readonly string[] = ['version', 'type']): void {
  const unknown = Object.keys(o).find((k) => !allowed.includes(k) && !envelope.includes(k));
  if (unknown !== undefined) throw badRequest(`unknown field ${quote(unknown)}: valid fields are ${allowed.join(', ')}`);
}

function string(value: unknown, what: string): string {
  if (typeof value !== 'string') throw badRequest(`${what} must be a string`);
  return value;
}

function integer(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw badRequest(`${what} must be an integer`);
  return value;
}

function boolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw badRequest(`${what} must be true or false`);
  return value;
}

function array(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw badRequest(`${what} must be an array`);
  return value as readonly unknown[];
}
