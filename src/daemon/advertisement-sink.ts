/**
 * Where the relay delivers what it reads from a carpdev that is not for a carp interface:
 * advertisements, which go to the core, and I/O errors, which are logged. Nothing that arrives
 * from the network may crash the daemon: a frame that is not a well-formed IP packet is counted
 * and dropped here, everything about the CARP header is counted by the core.
 */
import type { CarpHostApi } from '../carp/types';
import type { RelaySink } from '../relay/relay';
import { WireError } from '../wire/errors';
import { parseCarpFrame } from '../wire/frames';
import { describeError } from './carp-event-log';
import type { Driver } from './driver';
import type { Logger } from './logger';

/** Per carpdev: advertisements dropped below the CARP header (bad IP header, fragments). */
export type MalformedCounts = Map<string, number>;

export class AdvertisementSink implements RelaySink {
  readonly malformed: MalformedCounts = new Map();

  constructor(
    private readonly host: CarpHostApi,
    private readonly driver: Driver,
    private readonly logger: Logger,
  ) {}

  advertisement(carpdev: string, frame: Uint8Array, offset: number): void {
    try {
      const packet = parseCarpFrame(frame, offset);
      this.driver.run((now) => this.host.receive({ carpdev, ...packet }, now));
    } catch (e: unknown) {
      if (e instanceof WireError) {
        this.malformed.set(carpdev, (this.malformed.get(carpdev) ?? 0) + 1);
        return;
      }
      // A defect of ours, not of the packet: logged loudly, and the daemon keeps serving.
      this.logger.error({ carpdev, err: e }, `${carpdev}: internal error handling an advertisement`);
    }
  }

  carpdevError(carpdev: string, operation: 'read' | 'write', error: unknown): void {
    this.logger.warn({ carpdev, operation, err: error }, `${carpdev}: ${operation} failed: ${describeError(error)}`);
  }

  tapError(ifname: string, operation: 'read' | 'write', error: unknown): void {
    this.logger.warn({ ifname, operation, err: error }, `${ifname}: ${operation} failed: ${describeError(error)}`);
  }
}
