/**
 * The control server's open connections, so that clients which connect and send nothing cannot
 * lock the administrator out (issue 13, finding 4).
 *
 * A connection is idle while none of its requests is being answered: from accept, and again after
 * each answer. An idle connection is closed when it has not completed a request line within the
 * idle timeout; bytes of an unfinished line do not count, so a trickle cannot hold it open. While a
 * request is being answered there is no timeout: the daemon, not the client, is slow then.
 *
 * At the limit, a new connection takes the place of the one idle longest. Only when every
 * connection has a request in progress is the new one refused, and carpd then is busy indeed.
 *
 * A monitor connection (`carpctl monitor`) is a request that stays in progress: it holds its slot,
 * is never idle, so never timed out nor evicted. So that monitors cannot take every slot and lock
 * out the commands, at most `maxStreams` connections may stream at once; a monitor request beyond
 * that is answered busy. The other slots stay for requests.
 */
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
  /** Connections that may stream events at once (monitors); fewer than maxConnections. */
  readonly maxStreams: number;
}

/** What became of a new connection: taken in, taken in by closing an idle one, or refused. */
export type Admission = 'admitted' | 'evicted' | 'refused';

export class ConnectionSlots {
  /** Every admitted connection and how many of its requests are being answered. */
  private readonly inProgress = new Map<Socket, number>();
  /** The idle ones with their timers, in the order they became idle (Map keeps insertion order). */
  private readonly idle = new Map<Socket, NodeJS.Timeout>();
  /** Connections turned into event streams: in progress for good. */
  private readonly streams = new Set<Socket>();

  constructor(private readonly limits: ConnectionLimits) {}

  /** Takes `socket` in, closing the connection idle longest if that is the only way. */
  admit(socket: Socket): Admission {
    let admission: Admission = 'admitted';
    if (this.inProgress.size >= this.limits.maxConnections) {
      const [oldest] = this.idle.keys();
      if (oldest === undefined) return 'refused';
      this.forget(oldest);
      oldest.destroy();
      admission = 'evicted';
    }
    this.inProgress.set(socket, 0);
    this.startIdle(socket);
    socket.once('close', () => this.forget(socket));
    return admission;
  }

  /** A complete request line arrived on `socket`. */
  requestStarted(socket: Socket): void {
    const count = this.inProgress.get(socket);
    if (count === undefined) return;
    this.inProgress.set(socket, count + 1);
    this.stopIdle(socket);
  }

  /**
   * Its request in progress becomes an event stream, if there is room for one more: from then on
   * the connection is never idle. False when `maxStreams` connections stream already.
   */
  startStream(socket: Socket): boolean {
    if (!this.inProgress.has(socket)) return false;
    if (this.streams.has(socket)) return true;
    if (this.streams.size >= this.limits.maxStreams) return false;
    this.streams.add(socket);
    return true;
  }

  /** One of its requests has been answered. */
  requestAnswered(socket: Socket): void {
    const count = this.inProgress.get(socket);
    if (count === undefined) return;
    this.inProgress.set(socket, count - 1);
    if (count === 1 && !this.streams.has(socket)) this.startIdle(socket);
  }

  private startIdle(socket: Socket): void {
    this.idle.set(socket, setTimeout(() => socket.destroy(), this.limits.idleTimeoutMs));
  }

  private stopIdle(socket: Socket): void {
    clearTimeout(this.idle.get(socket));
    this.idle.delete(socket);
  }

  private forget(socket: Socket): void {
    this.stopIdle(socket);
    this.streams.delete(socket);
    this.inProgress.delete(socket);
  }
}
