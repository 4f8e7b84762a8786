/**
 * The daemon's side of the control protocol: each request maps to one CarpService operation.
 * Requests run one at a time, so a command never sees another half done.
 */
import type { ControlHandler, EventStream, Request, Result } from '../control/protocol';
import type { CarpService } from './carp-service';

export function createControlHandler(service: CarpService, serialize: <T>(work: () => Promise<T>) => Promise<T>): ControlHandler {
  return (request, stream) => serialize(() => handle(service, request, stream));
}

async function handle(service: CarpService, request: Request, stream: EventStream): Promise<Result> {
  switch (request.type) {
    case 'show':
      return { interfaces: service.show(request.ifname), maintenance: service.maintenance() };
    case 'create':
      return { warnings: await service.create(request.ifname, request.settings) };
    case 'destroy':
      await service.destroy(request.ifname);
      return { warnings: [] };
    case 'configure':
      return { warnings: await service.configure(request.ifname, request.settings) };
    case 'group-demote':
      service.groupDemote(request.group, request.delta);
      return { warnings: [] };
    case 'group-show':
      return service.groupShow(request.group);
    case 'sysctl-get':
      return { values: service.sysctlGet(request.names) };
    case 'sysctl-set':
      return { changes: service.sysctlSet(request.assignments) };
    case 'counters':
      return { counters: service.counters() };
    case 'explain':
      return { explanation: service.explain(request.ifname) };
    case 'monitor':
      service.monitor(stream);
      return { monitoring: true };
    case 'maintenance-get':
      return { maintenance: service.maintenance() };
    case 'maintenance-set':
      return { maintenance: service.setMaintenance(request.on) };
    case 'reload':
      await service.reload();
      return { warnings: [] };
  }
}

/** A mutex as a promise chain: each piece of work starts when the previous one has settled. */
export function createSerializer(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const result = tail.then(work, work);
    tail = result.catch(() => undefined);
    return result;
  };
}
