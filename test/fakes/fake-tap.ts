/**
 * The fd of a TAP device (IFF_TAP | IFF_NO_PI, single queue), as drivers/net/tun.c behaves for
 * it: reads take what carpN's stack sent (tun's queue holds 500 frames), writes go to carpN's stack
 * (refused with EIO while carpN is down, accepted without carrier), and once the device is
 * deleted under the fd every call fails with EBADFD and polling reports it once, then stops.
 */
import { TAP_MIN_SLOT_SIZE } from '../../src/native/binding';
import type { TapDevice } from '../../src/native/types';
import { type Errno, systemError } from './errno';
import type { FakeKernel } from './fake-kernel';
import { FakeFrameIo } from './frame-io';
import type { KernelLink } from './kernel-link';
import type { Scheduler } from './scheduler';
import type { TapStack } from './tap-stack';

const MAC_LENGTH = 6;

export class FakeTap extends FakeFrameIo implements TapDevice {
  readonly name: string;
  readonly ifindex: number;
  private readonly stopWatching: () => void;

  constructor(
    scheduler: Scheduler,
    fd: number,
    private readonly kernel: FakeKernel,
    private readonly link: KernelLink,
    options: { readonly vnetHeader: boolean; readonly queueLimit: number },
  ) {
    super(scheduler, fd, {
      subject: link.name,
      readSyscall: 'read',
      writeSyscall: 'write',
      minSlotSize: TAP_MIN_SLOT_SIZE,
      vnetHeader: options.vnetHeader,
      queueLimit: options.queueLimit,
    });
    this.name = link.name;
    this.ifindex = link.index;
    this.stopWatching = link.watch(() => this.linkChanged());
    kernel.attachTap(link, (frame) => this.deliver(frame));
  }

  setPersist(persist: boolean): void {
    this.device('ioctl(TUNSETPERSIST)').persist = persist;
  }

  setCarrier(up: boolean): void {
    this.device('ioctl(TUNSETCARRIER)');
    this.kernel.changeLink(this.link, { carrier: up });
  }

  setMac(mac: Buffer): void {
    const syscall = 'ioctl(SIOCSIFHWADDR)';
    this.ensureOpen(syscall);
    if (mac.length !== MAC_LENGTH) throw new RangeError(`${this.name}: a MAC address is ${MAC_LENGTH} bytes, not ${mac.length}`);
    this.device(syscall);
    // eth_mac_addr(): is_valid_ether_addr() refuses multicast and all-zero addresses.
    if (((mac[0] as number) & 0x01) !== 0 || mac.every((byte) => byte === 0)) {
      throw systemError(this.name, syscall, 'EADDRNOTAVAIL');
    }
    this.kernel.changeLink(this.link, { mac });
  }

  override startReading(onReadable: () => void): void {
    super.startReading(onReadable);
    if (!this.link.present) this.pollError('stop');
  }

  protected checkReadable(): void {
    if (!this.link.present) throw systemError(this.name, 'read', 'EBADFD');
  }

  protected writeRefusal(): Errno | null {
    if (!this.link.present) return 'EBADFD';
    return this.link.adminUp ? null : 'EIO';
  }

  protected transmit(frame: Buffer): Errno | null {
    (this.link.tap as TapStack).receive(frame);
    return null;
  }

  protected released(): void {
    this.stopWatching();
    this.kernel.detachTap(this.link);
  }

  /** The fd's TAP device, or the EBADFD of an fd whose device was deleted. */
  private device(syscall: string): TapStack {
    this.ensureOpen(syscall);
    if (!this.link.present) throw systemError(this.name, syscall, 'EBADFD');
    return this.link.tap as TapStack;
  }

  /** tun_detach_all on unregister: the queue is dropped and poll() reports POLLERR. */
  private linkChanged(): void {
    if (this.link.present) return;
    this.stopWatching();
    this.purge();
    this.pollError('stop');
  }
}
