/**
 * The only module that loads the native addon (build/Release/carp_native.node, built from native/
 * by `node-gyp rebuild`). It gives the addon the typed face of ./types and turns the errors of
 * failed system calls into `NativeSystemError`s; argument mistakes stay TypeError/RangeError.
 * The addon is loaded on first use, so importing this module never fails where it is not built.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  FrameIo,
  IpSocket,
  MembershipKind,
  NativeBinding,
  NativeError,
  PacketSocket,
  PacketSocketOptions,
  TapDevice,
  TapOptions,
  UnixConnection,
} from './types';

/**
 * The smallest `slotSize` readBatch accepts on a TAP: vnet header (10) + Ethernet header with the
 * VLAN tag the TAP inserts (18) + the largest IP packet (65 535). read() on a TAP cuts a longer
 * frame short without saying so, so smaller slots are refused with a RangeError.
 */
export const TAP_MIN_SLOT_SIZE = 65_563;

/** A failed system call in the addon. */
export class NativeSystemError extends Error implements NativeError {
  override readonly name = 'NativeSystemError';

  constructor(
    message: string,
    readonly errno: number,
    readonly code: string,
    readonly syscall: string,
  ) {
    super(message);
  }
}

/** True for an Error that carries errno, code and syscall: the addon's, or a fake binding's. */
export function isNativeError(e: unknown): e is NativeError {
  if (!(e instanceof Error)) return false;
  const { errno, code, syscall } = e as Error & Record<'errno' | 'code' | 'syscall', unknown>;
  return typeof errno === 'number' && typeof code === 'string' && typeof syscall === 'string';
}

/**
 * The addon's objects have exactly the shape of ./types; they differ only in throwing plain
 * Errors (with errno, code and syscall) that `call` turns into NativeSystemErrors.
 */
type RawFrameIo = FrameIo;
type RawTap = TapDevice;
type RawPacketSocket = PacketSocket;

interface RawAddon {
  openTap(name: string, vnetHeader: boolean): RawTap;
  openPacketSocket(ifname: string, filter: Buffer, vnetHeader: boolean): RawPacketSocket;
  connectUnixSocket(path: string): UnixConnection;
  sendUnixDatagram(address: string, payload: Buffer): void;
  openIpSocket(ifname: string, family: 4 | 6): IpSocket;
}

/** The addon marks a system-call failure with errno, code and syscall (native/errors.cc). */
function translate(e: unknown): unknown {
  return isNativeError(e) ? new NativeSystemError(e.message, e.errno, e.code, e.syscall) : e;
}

function call<T>(action: () => T): T {
  try {
    return action();
  } catch (e: unknown) {
    throw translate(e);
  }
}

class FrameIoHandle<Raw extends RawFrameIo> implements FrameIo {
  constructor(protected readonly raw: Raw) {}

  get fd(): number {
    return this.raw.fd;
  }

  get closed(): boolean {
    return this.raw.closed;
  }

  readBatch(arena: Buffer, slotSize: number, lengths: Uint32Array): number {
    return call(() => this.raw.readBatch(arena, slotSize, lengths));
  }

  writeBatch(arena: Buffer, offsets: Uint32Array, lengths: Uint32Array, count: number): number {
    return call(() => this.raw.writeBatch(arena, offsets, lengths, count));
  }

  startReading(onReadable: () => void): void {
    call(() => this.raw.startReading(onReadable));
  }

  stopReading(): void {
    this.raw.stopReading();
  }

  close(): void {
    this.raw.close();
  }
}

class NativeTap extends FrameIoHandle<RawTap> implements TapDevice {
  readonly name = this.raw.name;
  readonly ifindex = this.raw.ifindex;

  setPersist(persist: boolean): void {
    call(() => this.raw.setPersist(persist));
  }

  setCarrier(up: boolean): void {
    call(() => this.raw.setCarrier(up));
  }

  setMac(mac: Buffer): void {
    call(() => this.raw.setMac(mac));
  }
}

class NativePacketSocket extends FrameIoHandle<RawPacketSocket> implements PacketSocket {
  readonly ifname = this.raw.ifname;
  readonly ifindex = this.raw.ifindex;

  setFilter(filter: Buffer): void {
    call(() => this.raw.setFilter(filter));
  }

  addMembership(kind: MembershipKind, mac: Buffer): void {
    call(() => this.raw.addMembership(kind, mac));
  }

  dropMembership(kind: MembershipKind, mac: Buffer): void {
    call(() => this.raw.dropMembership(kind, mac));
  }
}

class NativeIpSocket implements IpSocket {
  constructor(private readonly raw: IpSocket) {}

  get fd(): number {
    return this.raw.fd;
  }

  sendTo(packet: Buffer, destination: Buffer): void {
    call(() => this.raw.sendTo(packet, destination));
  }

  close(): void {
    this.raw.close();
  }
}

const ADDON_FILE = path.join('build', 'Release', 'carp_native.node');

/** The nearest directory at or above `start` that holds a package.json. */
function packageRoot(start: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The addon sits in build/ of the package this file belongs to. Compiled to a directory outside
 * the package (tsc --outDir elsewhere), the package is found from the working directory instead.
 */
function findAddon(): string {
  const candidates = [__dirname, process.cwd()]
    .map(packageRoot)
    .filter((root): root is string => root !== undefined)
    .map((root) => path.join(root, ADDON_FILE));
  const found = candidates.find((file) => fs.existsSync(file));
  if (found === undefined) {
    const where = candidates.length > 0 ? candidates.join(' or ') : `${ADDON_FILE} in a package above ${__dirname}`;
    throw new Error(`carp native addon not found: no ${where}; build it with \`npm run install\` (node-gyp rebuild)`);
  }
  return found;
}

const ADDON_FUNCTIONS: readonly (keyof RawAddon)[] = ['openTap', 'openPacketSocket', 'connectUnixSocket', 'sendUnixDatagram', 'openIpSocket'];

function loadAddon(file: string): RawAddon {
  const addonModule: { exports: Partial<Record<keyof RawAddon, unknown>> } = { exports: {} };
  process.dlopen(addonModule, file);
  const exported = addonModule.exports;
  const missing = ADDON_FUNCTIONS.filter((name) => typeof exported[name] !== 'function');
  if (missing.length > 0) throw new Error(`${file} is not the carp native addon (it lacks ${missing.join('/')})`);
  return addonModule.exports as RawAddon;
}

let addon: RawAddon | undefined;

function theAddon(): RawAddon {
  addon ??= loadAddon(findAddon());
  return addon;
}

/** The production binding: TAP devices and packet sockets in the caller's network namespace. */
export const nativeBinding: NativeBinding = {
  openTap(name: string, options: TapOptions): TapDevice {
    return new NativeTap(call(() => theAddon().openTap(name, options.vnetHeader)));
  },
  openPacketSocket(ifname: string, options: PacketSocketOptions): PacketSocket {
    return new NativePacketSocket(call(() => theAddon().openPacketSocket(ifname, options.filter, options.vnetHeader)));
  },
  openIpSocket(ifname: string, family: 4 | 6): IpSocket {
    return new NativeIpSocket(call(() => theAddon().openIpSocket(ifname, family)));
  },
};

/**
 * Connects to the Unix stream socket at `path` without blocking and says who listens there, so
 * that nothing is written to an impostor (src/control/trusted-connection.ts). Fails with a
 * NativeSystemError (ENOENT, ECONNREFUSED, EACCES, EAGAIN when the listener's queue is full, ...).
 */
export function connectUnixSocket(path: string): UnixConnection {
  return call(() => theAddon().connectUnixSocket(path));
}

/**
 * Sends one datagram to the Unix datagram socket at `address` (a path, or `@name` for an abstract
 * one): sd_notify's transport, which Node lacks. Never blocks: a full receiver fails with EAGAIN.
 * Fails with a NativeSystemError (ENOENT, ECONNREFUSED, EAGAIN, ...).
 */
export function sendUnixDatagram(address: string, payload: Buffer): void {
  call(() => theAddon().sendUnixDatagram(address, payload));
}
