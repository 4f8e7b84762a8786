/**
 * Request/answer over rtnetlink for the operations that change the kernel (KernelControl): the
 * `netlink` package's NetlinkSocket sends with NLM_F_ACK and matches the answer by sequence number;
 * this wraps its answers and failures into KernelError, naming the operation and the errno.
 */
import { Protocol, createNetlink, type NetlinkMessage, type NetlinkSocket } from 'netlink';
import { KernelError, errnoError } from './errors';
import { decodeErrno } from './rtnetlink-codec';
import { NLMSG_ERROR } from './rtnetlink-constants';

export interface RtnlRequesterOptions {
  /** How long to wait for the kernel's answer (it answers at once unless something is badly wrong). */
  readonly timeoutMs?: number;
  /** Socket errors outside a request (there should be none: this socket joins no group). */
  readonly onError?: (error: Error) => void;
}

const DEFAULT_TIMEOUT_MS = 5000;

export class RtnlRequester {
  private socket: NetlinkSocket | null = null;
  private readonly timeoutMs: number;
  private readonly onError: (error: Error) => void;

  constructor(options: RtnlRequesterOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.onError = options.onError ?? ((error) => process.emitWarning(error));
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

  private open(): NetlinkSocket {
    if (!this.socket) {
      // Unreferenced while idle (the package's default): an open requester never keeps Node running.
      this.socket = createNetlink(Protocol.ROUTE);
      this.socket.on('error', (error) => this.onError(new KernelError(error.code, `rtnetlink: ${error.message}`)));
    }
    return this.socket;
  }
}
