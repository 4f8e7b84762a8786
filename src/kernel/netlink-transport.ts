/**
 * The rtnetlink socket under the kernel mirror, behind a small interface so that tests can feed the
 * mirror exact byte sequences (overlapping dumps, garbage, overruns) without a kernel. The
 * production transport is the `netlink` package's RawNetlinkSocket: it hands over each received
 * datagram whole and in order, which the package's higher layers do not (they regroup dump parts
 * and drop the message type).
 */
import { Protocol, RawNetlinkSocket } from 'netlink';

export interface TransportError extends Error {
  /** errno name: "ENOBUFS" means the kernel dropped notifications (receive buffer overrun). */
  readonly code?: string;
}

export interface TransportHandlers {
  readonly datagram: (data: Buffer) => void;
  readonly error: (error: TransportError) => void;
}

export interface RtnlTransport {
  /** Joins an rtnetlink multicast group (RTNLGRP_*). */
  join(group: number): void;
  /** Sends one framed netlink message; `onFailure` is called if the kernel does not take it. */
  send(message: Uint8Array[], onFailure: (error: TransportError) => void): void;
  close(): void;
}

export type TransportFactory = (handlers: TransportHandlers) => RtnlTransport;

/** Room for a burst of notifications (the kernel caps it at net.core.rmem_max). */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export const openRouteSocket: TransportFactory = (handlers) => {
  const socket = new RawNetlinkSocket(Protocol.ROUTE, { recvBufferSize: RECEIVE_BUFFER_BYTES, sendBufferSize: 0 });
  socket.on('message', (data) => handlers.datagram(data));
  socket.on('error', (error) => handlers.error(error));
  socket.on('truncatedMessage', () => {
    // Only possible without message peeking (the package peeks by default); the data is lost.
    handlers.error(Object.assign(new Error('netlink datagram truncated'), { code: 'ENOBUFS' }));
  });
  return {
    join: (group) => socket.addMembership(group),
    send: (message, onFailure) =>
      socket.send(message, {}, (error) => {
        if (error) onFailure(error);
      }),
    close: () => socket.close(),
  };
};
