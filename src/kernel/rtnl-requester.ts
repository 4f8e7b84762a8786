/**
 * Request/answer over rtnetlink for the operations that change the kernel (KernelControl): the
 * `netlink` package's NetlinkSocket sends with NLM_F_ACK and matches the answer by sequence number;
 * this wraps its answers and failures into KernelError, naming the operation and the errno.
 */
import { Protocol, createNetlink, type NetlinkMessage, type NetlinkSendOptions, type RequestOptions } from 'netlink';
import { KernelError, errnoError } from './errors';
import { decodeErrno } from './rtnetlink-codec';
import { NLMSG_ERROR } from './rtnetlink-constants';

/** What a requester needs of the `netlink` package's NetlinkSocket; tests hand in a fake kernel. */
export interface RequestSocket {
  request(type: number, data: Uint8Array[], options: NetlinkSendOptions & RequestOptions): Promise<[NetlinkMessage[], unknown]>;
  on(event: 'error', listener: (error: Error & { code?: string }) => void): unknown;
  close(): void;
}

/** The operations of KernelControl that go through rtnetlink (NetlinkControl): one request, its answer. */
export interface RtnlRequests {
  request(operation: string, type: number, flags: number, payload: Uint8Array[]): Promise<NetlinkMessage[]>;
  close(): void;
}

export interface RtnlRequesterOptions {
  /** How long to wait for the kernel's answer (it answers at once unless something is badly wrong). */
  readonly timeoutMs?: number;
  /** Socket errors outside a request (there should be none: this socket joins no group). */
  readonly onError?: (error: Error) => void;
  /** Opens the socket on first use; by default an rtnetlink socket of this network namespace. */
  readonly openSocket?: () => RequestSocket;
}

const DEFAULT_TIMEOUT_MS = 5000;

// Unreferenced while idle (the package's default): an open requester never keeps Node running.
const openRouteSocket = (): RequestSocket => createNetlink(Protocol.ROUTE);

export class RtnlRequester implements RtnlRequests {
  private socket: RequestSocket | null = null;
  private readonly timeoutMs: number;
  private readonly onError: (error: Error) => void;
  private readonly openSocket: () => RequestSocket;

  constructor(options: RtnlRequesterOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.onError = options.onError ?? ((error) => process.emitWarning(error));
    this.openSocket = options.openSocket ?? openRouteSocket;
  }

  /**
   * Sends one request and returns the kernel's answer messages ([] for a plain acknowledgement).
   * `operation` starts every error message: "addAddress carp0 10.0.0.1/24: EEXIST (file already exists)".
   */
  async request(operation: string, type: number, flags: number, payload: Uint8Array[]): Promise<NetlinkMessage[]> {
    let answer: NetlinkMessage[];
    try {
      [answer] = await this.open().request(type, payload, { flags, timeout: this.timeoutMs, checkError: false });
    } catch (e: unknown) {
      const failure = e as Error & { code?: string };
      const timedOut = /timeout/i.test(failure.message);
      const code = failure.code ?? (timedOut ? 'ETIMEDOUT' : 'EIO');
      throw new KernelError(code, `${operation}: ${failure.message}`, { cause: e });
    }
    const first = answer[0];
    if (first?.type !== NLMSG_ERROR) return answer;
    const errno = decodeErrno(first.data);
    if (errno < 0) throw errnoError(operation, -errno);
    return [];
  }

  close(): void {
    this.socket?.close();
    this.socket = null;
  }

  private open(): RequestSocket {
    if (!this.socket) {
      const socket = this.openSocket();
      socket.on('error', (error) => this.onError(new KernelError(error.code ?? 'EIO', `rtnetlink: ${error.message}`)));
      this.socket = socket;
    }
    return this.socket;
  }
}
