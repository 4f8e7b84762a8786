/**
 * carpctl's argument list: global options first (`--socket PATH`, `-j`, `-h`), then one command:
 * nothing (show all), `carpN [words]`, `-g GROUP [words]`, `sysctl [words]`, `stats`, `monitor`,
 * `reload` or `maintenance [on|off]`. The words after the
 * command are parsed by the token tables of src/config.
 */
import { ConfigError, matchKeyword, parseCarpInterfaceName, parseGroupName, quote } from '../config/grammar';
import {
  type GroupCommand,
  type SysctlCommand,
  parseGroupCommand,
  parseInterfaceCommand,
  parseSysctlCommand,
} from '../config/parse-words';
import type { InterfaceSettings } from '../config/settings';
import { controlSocketPath } from '../control/paths';

export interface GlobalOptions {
  readonly socketPath: string;
  readonly json: boolean;
}

export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'show'; readonly ifname: string | null }
  | { readonly kind: 'stats'; readonly ifname: string }
  | { readonly kind: 'explain'; readonly ifname: string }
  | { readonly kind: 'monitor' }
  | { readonly kind: 'counters' }
  | { readonly kind: 'maintenance-get' }
  | { readonly kind: 'maintenance-set'; readonly on: boolean }
  | { readonly kind: 'reload' }
  | { readonly kind: 'destroy'; readonly ifname: string }
  | { readonly kind: 'create' | 'configure'; readonly ifname: string; readonly settings: InterfaceSettings }
  | (GroupCommand & { readonly group: string })
  | SysctlCommand;

export interface ParsedArgs {
  readonly options: GlobalOptions;
  readonly command: CliCommand;
}

const VALID_OPTIONS = '--socket PATH, -j, -g GROUP or -h';
const COMMAND_TOKENS = [{ keyword: 'sysctl' }, { keyword: 'stats' }, { keyword: 'monitor' }, { keyword: 'reload' }, { keyword: 'maintenance' }] as const;
const MAINTENANCE_TOKENS = [
  { keyword: 'on', on: true },
  { keyword: 'off', on: false },
] as const;

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs {
  let socket: string | undefined;
  let json = false;
  let index = 0;
  let help = false;
  for (; index < argv.length; index++) {
    const word = argv[index] ?? '';
    if (word === '-j') json = true;
    else if (word === '-h' || word === '--help') help = true;
    else if (word === '--socket') socket = socketValue(argv[++index]);
    else if (word.startsWith('--socket=')) socket = socketValue(word.slice('--socket='.length));
    else break;
  }
  const options = { socketPath: controlSocketPath(socket, env), json };
  return { options, command: help ? { kind: 'help' } : parseCommand(argv.slice(index)) };
}

function socketValue(value: string | undefined): string {
  if (value === undefined || value === '') {
    throw new ConfigError('missing-value', '--socket needs a path, e.g. --socket /run/carpd.sock');
  }
  return value;
}

function parseCommand(words: readonly string[]): CliCommand {
  const [first, ...rest] = words;
  if (first === undefined) return { kind: 'show', ifname: null };
  if (first === '-g') return groupCommand(rest);
  if (first.startsWith('-')) {
    throw new ConfigError('unknown-word', `unknown option ${quote(first)}: valid options are ${VALID_OPTIONS}`);
  }
  if (first.startsWith('carp')) return interfaceCommand(parseCarpInterfaceName(first), rest);
  let command;
  try {
    command = matchKeyword(first, COMMAND_TOKENS, 'command');
  } catch (e: unknown) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ConfigError(e.code, `unknown command ${quote(first)}: give a carp interface (carpN ...), -g GROUP, sysctl, stats, monitor, reload or maintenance`);
  }
  if (command.keyword === 'sysctl') return parseSysctlCommand(rest);
  if (command.keyword === 'maintenance') return maintenanceCommand(rest);
  // Only the first extra word is named: it cannot follow a `pass` (stats pass secret).
  if (rest[0] !== undefined) throw new ConfigError('unknown-word', `${command.keyword} takes no words, not ${quote(rest[0])}`);
  if (command.keyword === 'monitor') return { kind: 'monitor' };
  return command.keyword === 'reload' ? { kind: 'reload' } : { kind: 'counters' };
}

/** `maintenance` shows it, `maintenance on|off` switches it. */
function maintenanceCommand(words: readonly string[]): CliCommand {
  const [word, extra] = words;
  if (word === undefined) return { kind: 'maintenance-get' };
  const { on } = matchKeyword(word, MAINTENANCE_TOKENS, 'word');
  if (extra !== undefined) throw new ConfigError('unknown-word', `maintenance takes one word, on or off, not also ${quote(extra)}`);
  return { kind: 'maintenance-set', on };
}

function groupCommand(words: readonly string[]): CliCommand {
  const [group, ...rest] = words;
  if (group === undefined) throw new ConfigError('missing-value', '-g needs a group name, e.g. carpctl -g carp');
  return { ...parseGroupCommand(rest), group: parseGroupName(group) };
}

function interfaceCommand(ifname: string, words: readonly string[]): CliCommand {
  const command = parseInterfaceCommand(words);
  switch (command.kind) {
    case 'show':
    case 'stats':
    case 'explain':
    case 'destroy':
      return { kind: command.kind, ifname };
    case 'create':
    case 'configure':
      return { kind: command.kind, ifname, settings: command.settings };
  }
}
