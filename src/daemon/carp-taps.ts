/**
 * The TAP devices behind the carp interfaces (carpN) the daemon owns. They are persistent while
 * configured, so a daemon restart re-attaches to the same device with its addresses (the BSD
 * model: the interface belongs to the kernel, not to a process); `destroy` clears persistence, and
 * the device disappears with its fd. (Not to be confused with a carpdev, the parent interface.)
 */
import type { KernelControl } from '../kernel/types';
import type { NativeBinding, TapDevice } from '../native/types';
import type { MacAddress } from '../wire/address';

/** The kernel preparation of a new carpN; returns what it changed, for the log. */
export type PrepareCarpInterface = (ifname: string) => Promise<readonly string[]>;

export class CarpTaps {
  private readonly taps = new Map<string, TapDevice>();

  constructor(
    private readonly binding: NativeBinding,
    private readonly control: KernelControl,
    private readonly prepare: PrepareCarpInterface,
  ) {}

  has(ifname: string): boolean {
    return this.taps.has(ifname);
  }

  names(): string[] {
    return [...this.taps.keys()];
  }

  /** The ifindex of our carpN: a device of that name with another one is an earlier, gone one. */
  ifindex(ifname: string): number | undefined {
    return this.taps.get(ifname)?.ifindex;
  }

  /**
   * A new carpN: created persistent with vnet headers and no carrier, prepared (no automatic
   * link-local address: that has to happen before it first goes up), then brought up.
   * Returns the TAP and the kernel changes made.
   */
  async create(ifname: string): Promise<{ tap: TapDevice; changes: readonly string[] }> {
    const tap = this.binding.openTap(ifname, { vnetHeader: true });
    try {
      tap.setPersist(true);
      tap.setCarrier(false);
      const changes = await this.prepare(ifname);
      await this.control.setLinkUp(ifname, true);
      this.taps.set(ifname, tap);
      return { tap, changes };
    } catch (e: unknown) {
      tap.setPersist(false);
      tap.close();
      throw e;
    }
  }

  /** Re-attaches a carpN left by an earlier run; its up state and addresses are kept. */
  async adopt(ifname: string): Promise<{ tap: TapDevice; changes: readonly string[] }> {
    const tap = this.binding.openTap(ifname, { vnetHeader: true });
    try {
      tap.setCarrier(false);
      const changes = await this.prepare(ifname);
      this.taps.set(ifname, tap);
      return { tap, changes };
    } catch (e: unknown) {
      tap.close();
      throw e;
    }
  }

  /** Removes the device: persistence off, last fd closed. */
  destroy(ifname: string): void {
    const tap = this.taps.get(ifname);
    if (!tap) return;
    this.taps.delete(ifname);
    tap.setPersist(false);
    tap.close();
  }

  /** The device vanished (`ip link del carp0`): only our fd is left to close. */
  forget(ifname: string): void {
    this.taps.get(ifname)?.close();
    this.taps.delete(ifname);
  }

  setMac(ifname: string, mac: MacAddress): void {
    this.taps.get(ifname)?.setMac(mac);
  }

  setCarrier(ifname: string, up: boolean): void {
    this.taps.get(ifname)?.setCarrier(up);
  }

  /** Daemon stop: carrier off and fds closed; the devices and their addresses stay. */
  closeAll(): void {
    for (const tap of this.taps.values()) {
      tap.setCarrier(false);
      tap.close();
    }
    this.taps.clear();
  }
}
