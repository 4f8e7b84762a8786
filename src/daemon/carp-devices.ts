/**
 * The carpN TAP devices the daemon owns. They are persistent while configured, so a daemon restart
 * re-attaches to the same device with its addresses (the BSD model: the interface belongs to the
 * kernel, not to a process); `destroy` clears persistence, and the device disappears with its fd.
 */
import { readFile } from 'node:fs/promises';
import type { NativeBinding, TapDevice } from '../native/types';
import type { KernelControl } from '../kernel/types';
import type { MacAddress } from '../wire/address';

/** The kernel preparation of a new carpN; returns what it changed, for the log. */
export type PrepareCarpInterface = (ifname: string) => Promise<readonly string[]>;

/** IFF_TAP in /sys/class/net/<if>/tun_flags: tells our persistent TAPs from other devices. */
const IFF_TAP = 0x0002;

export class CarpDevices {
  private readonly taps = new Map<string, TapDevice>();

  constructor(
    private readonly binding: NativeBinding,
    private readonly control: KernelControl,
    private readonly prepare: PrepareCarpInterface,
  ) {}

  has(ifname: string): boolean {
    return this.taps.has(ifname);
  }

  tap(ifname: string): TapDevice | undefined {
    return this.taps.get(ifname);
  }

  /**
   * A new carpN: created persistent with vnet headers and no carrier, prepared (no automatic
   * link-local address: that has to happen before it first goes up), then brought up.
   * Returns the kernel changes made.
   */
  async create(ifname: string): Promise<readonly string[]> {
    const tap = this.binding.openTap(ifname, { vnetHeader: true });
    try {
      tap.setPersist(true);
      tap.setCarrier(false);
      const changes = await this.prepare(ifname);
      await this.control.setLinkUp(ifname, true);
      this.taps.set(ifname, tap);
      return changes;
    } catch (e: unknown) {
      tap.setPersist(false);
      tap.close();
      throw e;
    }
  }

  /** Re-attaches a carpN left by an earlier run; its up state and addresses are kept. */
  async adopt(ifname: string): Promise<readonly string[]> {
    const tap = this.binding.openTap(ifname, { vnetHeader: true });
    try {
      tap.setCarrier(false);
      const changes = await this.prepare(ifname);
      this.taps.set(ifname, tap);
      return changes;
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

/** Whether `ifname` is a TAP device (a carpN of ours from an earlier run, if it is named so). */
export async function isTapDevice(ifname: string): Promise<boolean> {
  try {
    const flags = Number.parseInt(await readFile(`/sys/class/net/${ifname}/tun_flags`, 'utf8'), 16);
    return (flags & IFF_TAP) !== 0;
  } catch {
    return false;
  }
}
