/**
 * carpctl from argument list to exit status: parse, resolve a passfile, ask carpd, print. Output
 * goes through `io` so tests can run carpctl in-process against a fake daemon.
 */
import { ConfigError } from '../config/grammar';
import { resolvePassfile } from '../config/passfile';
import type { Request, ResultFor } from '../control/protocol';
import { ControlTransportError, RemoteError, monitorEvents, sendRequest } from '../control/transport';
import { type CliCommand, type GlobalOptions, parseArgs } from './args';
import { formatEvent, formatEventJson } from './format-events';
import { formatExplanation } from './format-explain';
import { formatInterface } from './format-interface';
import { formatGroup, formatJson, formatMaintenance, formatSysctlChanges, formatSysctlValues, formatWarnings } from './format-results';
import { formatCounters, formatStats } from './format-stats';
import { USAGE } from './usage';

export const EXIT_OK = 0;
/** A refused command or a usage error; nothing was changed. */
export const EXIT_REFUSED = 1;
/** carpd could not be reached, was busy, was not trusted with the request, or did not answer properly. */
export const EXIT_UNREACHABLE = 2;

export interface CarpctlIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Where a relative passfile path starts. */
  readonly cwd: string;
  readonly timeoutMs?: number;
  /**
   * Settles on the first ^C (SIGINT) or SIGTERM: `monitor` then ends with status 0. Called by
   * monitor only, so that other commands keep the default ^C. Without it monitor runs until carpd
   * closes the connection.
   */
  readonly interrupted?: () => Promise<void>;
}

export async function runCarpctl(argv: readonly string[], io: CarpctlIo): Promise<number> {
  try {
    const { options, command } = parseArgs(argv, io.env);
    if (command.kind === 'help') {
      io.out(USAGE);
      return EXIT_OK;
    }
    await execute(command, new Session(options, io));
    return EXIT_OK;
  } catch (e: unknown) {
    if (e instanceof ControlTransportError) {
      io.err(`carpctl: ${e.message}\n`);
      return EXIT_UNREACHABLE;
    }
    if (e instanceof ConfigError || e instanceof RemoteError) {
      io.err(`carpctl: ${e.message}\n`);
      return EXIT_REFUSED;
    }
    throw e;
  }
}

/** One carpctl invocation: where to send, how to print. */
class Session {
  constructor(
    readonly options: GlobalOptions,
    readonly io: CarpctlIo,
  ) {}

  send<R extends Request>(request: R): Promise<ResultFor<R['type']>> {
    return sendRequest(this.options.socketPath, request, { timeoutMs: this.io.timeoutMs });
  }

  /** Text output, or the result as JSON under -j. */
  print<T extends ResultFor<Request['type']>>(result: T, text: (result: T) => string): void {
    this.io.out(this.options.json ? formatJson(result) : text(result));
  }

  /** Prints each event as it comes until interrupted. */
  monitor(): Promise<void> {
    const format = this.options.json ? formatEventJson : formatEvent;
    const stop = this.io.interrupted?.() ?? new Promise<void>(() => undefined);
    return monitorEvents(this.options.socketPath, (event) => this.io.out(format(event)), stop, { timeoutMs: this.io.timeoutMs });
  }

  /** Changes print nothing on success (like ifconfig) except the daemon's warnings. */
  printChange(result: ResultFor<'configure'>): void {
    if (this.options.json) this.io.out(formatJson(result));
    else this.io.err(formatWarnings(result.warnings));
  }
}

async function execute(command: Exclude<CliCommand, { kind: 'help' }>, session: Session): Promise<void> {
  switch (command.kind) {
    case 'show': {
      const result = await session.send({ type: 'show', ifname: command.ifname });
      return session.print(result, (r) => r.interfaces.map((i) => formatInterface(i, r.maintenance)).join(''));
    }
    case 'stats': {
      const result = await session.send({ type: 'show', ifname: command.ifname });
      return session.print(result, (r) => r.interfaces.map(formatStats).join(''));
    }
    case 'create':
    case 'configure': {
      const settings = await resolvePassfile(command.settings, session.io.cwd);
      return session.printChange(await session.send({ type: command.kind, ifname: command.ifname, settings }));
    }
    case 'destroy':
      return session.printChange(await session.send({ type: 'destroy', ifname: command.ifname }));
    case 'group-show':
      return session.print(await session.send({ type: 'group-show', group: command.group }), formatGroup);
    case 'group-demote':
      return session.printChange(await session.send({ type: 'group-demote', group: command.group, delta: command.delta }));
    case 'sysctl-get':
      return session.print(await session.send({ type: 'sysctl-get', names: command.names }), formatSysctlValues);
    case 'sysctl-set': {
      const result = await session.send({ type: 'sysctl-set', assignments: command.assignments });
      return session.print(result, formatSysctlChanges);
    }
    case 'counters':
      return session.print(await session.send({ type: 'counters' }), (r) => formatCounters(r.counters));
    case 'explain':
      return session.print(await session.send({ type: 'explain', ifname: command.ifname }), (r) => formatExplanation(r.explanation));
    case 'monitor':
      return session.monitor();
    case 'maintenance-get':
      return session.print(await session.send({ type: 'maintenance-get' }), formatMaintenance);
    case 'maintenance-set':
      return session.print(await session.send({ type: 'maintenance-set', on: command.on }), formatMaintenance);
    case 'reload':
      return session.printChange(await session.send({ type: 'reload' }));
  }
}
