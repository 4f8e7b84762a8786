/**
 * What the relay reports to the daemon: advertisements, which go to the core, and I/O errors,
 * which are logged. Nothing that arrives from the network may crash the daemon: the relay has
 * already counted and dropped what is not well-formed IP, and the core counts everything about
 * the CARP header; an exception here is a defect of ours, logged loudly while the daemon goes on.
 */
import type { CarpHostApi } from '../carp/types';
import type { RelaySink } from '../relay/relay';
import type { Family, IpAddress } from '../wire/address';
import type { ParsedCarpPacket } from '../wire/frames';
import { describeError } from './describe-error';
import type { Driver } from './driver';
import type { Logger } from './logger';

/** The address this host advertises from on a carpdev in a family (VRRPv3 compares it); null: none. */
export type LocalSource = (carpdev: string, family: Family) => IpAddress | null;

/**
 * `beforeBatch`: the loop monitor's catchUp, so frames that waited through a stall are not acted on.
 * `localSource`: what the core is told our address is, for VRRPv3's tie-break and loop check.
 */
export function createRelaySink(
  host: CarpHostApi,
  driver: Driver,
  logger: Logger,
  beforeBatch: () => void = () => undefined,
  localSource: LocalSource = () => null,
): RelaySink {
  return {
    beforeBatch,
    aroundBatch: (handle) => driver.batch(handle),
    advertisement(carpdev: string, packet: ParsedCarpPacket): void {
      try {
        const local = localSource(carpdev, packet.family === 6 ? 6 : 4);
        driver.run((now) => host.receive({ carpdev, ...packet, localSource: local }, now));
      } catch (e: unknown) {
        logger.error({ carpdev, err: e }, `${carpdev}: internal error handling an advertisement: ${describeError(e)}`);
      }
    },
    carpdevError(carpdev: string, operation: 'read' | 'write', error: unknown): void {
      logger.warn({ carpdev, operation, err: error }, `${carpdev}: ${operation} failed: ${describeError(error)}`);
    },
    tapError(ifname: string, operation: 'read' | 'write', error: unknown): void {
      logger.warn({ ifname, operation, err: error }, `${ifname}: ${operation} failed: ${describeError(error)}`);
    },
  };
}
