/**
 * The carp interfaces this daemon manages, and the upkeep that keeps core, relay, TAP, kernel and
 * carppeer sockets in agreement about each of them (`sync`). The core owns the configuration and
 * the states; the kernel mirror owns up/down and the addresses; everything here is derived from
 * those two and idempotent, so it runs after every change, whoever made it.
 */
import { CarpError } from '../carp/errors';
import { linkLayerOf } from '../carp/link-layer';
import type { CarpHostApi, InterfaceStatus } from '../carp/types';
import type { KernelMirror, LinkInfo } from '../kernel/types';
import type { Relay } from '../relay/relay';
import type { IpPrefix, MacAddress } from '../wire/address';
import { CarpdevBySubnet } from './carpdev-by-subnet';
import type { CarpTaps } from './carp-taps';
import { describeError } from './describe-error';
import type { Driver } from './driver';
import type { EventFeed } from './event-feed';
import type { CarpdevRef, KernelWork } from './kernel-work';
import type { Logger } from './logger';
import type { PeerSockets } from './peer-sockets';
import { DETACHED_SHAPE, portShapeOf } from './port-shape';

export interface CarpInterfacesDeps {
  readonly host: CarpHostApi;
  readonly driver: Driver;
  readonly taps: CarpTaps;
  readonly relay: Relay;
  readonly peerSockets: PeerSockets;
  readonly mirror: KernelMirror;
  readonly kernelWork: KernelWork;
  readonly logger: Logger;
  readonly feed: EventFeed;
}

export class CarpInterfaces {
  /** The carpdev of the interfaces that were given none. */
  readonly carpdevs: CarpdevBySubnet;
  /** The up state carpd set on a carpN that the mirror has not reported yet (expectAdmin). */
  private readonly expectedAdmin = new Map<string, boolean>();

  constructor(private readonly deps: CarpInterfacesDeps) {
    const { host, driver, mirror, logger } = deps;
    this.carpdevs = new CarpdevBySubnet({ host, driver, mirror, logger, checkCarpdev: (name) => this.checkCarpdev(name) });
  }

  /** Whether carpd manages `ifname` (it has its TAP). */
  has(ifname: string): boolean {
    return this.deps.taps.has(ifname);
  }

  names(): string[] {
    return this.deps.taps.names();
  }

  /**
   * Whether `link` is the device of a managed carpN, and not one of the same name that was
   * removed before it was created again (its removal may be reported after the creation).
   */
  owns(link: LinkInfo): boolean {
    return this.deps.taps.ifindex(link.name) === link.index;
  }

  /** The core's view of a managed interface; throws no-such-interface, naming how to create it. */
  status(ifname: string): InterfaceStatus {
    const status = this.has(ifname) ? this.deps.host.interfaceStatus(ifname) : undefined;
    if (status === undefined) {
      throw new CarpError('no-such-interface', `${ifname}: no such interface (create it with "carpctl ${ifname} create")`);
    }
    return status;
  }

  /** A new carpN (`create`) or one left by an earlier run (`adopt`), unconfigured. */
  async attach(ifname: string, how: 'create' | 'adopt'): Promise<void> {
    const { driver, host, taps, relay, logger } = this.deps;
    driver.run((now) => host.createInterface(ifname, now));
    let attached;
    try {
      attached = how === 'create' ? await taps.create(ifname) : await taps.adopt(ifname);
    } catch (e: unknown) {
      driver.run((now) => host.destroyInterface(ifname, now));
      throw e;
    }
    for (const change of attached.changes) logger.info({ ifname }, `${ifname}: ${change}`);
    relay.addCarpInterface(ifname, attached.tap, DETACHED_SHAPE);
    this.sync(ifname);
    if (how === 'create') this.deps.feed.interfaceChanged(ifname, 'created');
  }

  /**
   * Takes carpN out of everything: core (bow-out if MASTER), relay, device, routing. `vanished`:
   * someone deleted the device; only our fd is left to close.
   */
  async remove(ifname: string, how: 'destroy' | 'vanished'): Promise<void> {
    const { host, driver, relay, taps } = this.deps;
    if (host.interfaceStatus(ifname) !== undefined) driver.run((now) => host.destroyInterface(ifname, now));
    relay.removeCarpInterface(ifname);
    this.deps.peerSockets.forget(ifname);
    this.carpdevs.forget(ifname);
    if (how === 'destroy') taps.destroy(ifname);
    else taps.forget(ifname);
    this.deps.feed.interfaceChanged(ifname, how === 'destroy' ? 'destroyed' : 'vanished');
    await this.deps.kernelWork.interfaceRemoved(ifname);
  }

  /**
   * Brings core, relay, TAP and kernel in line with the kernel's view of carpN (up state,
   * addresses), the carpdev chosen by subnet and the core's configuration (nodes, carpdev).
   * `addressesPending`: carpd has just changed carpN's addresses and the mirror has not reported
   * them yet, so the carpdev is chosen when it does, not from the addresses it had.
   */
  sync(ifname: string, addressesPending = false): void {
    const { host, driver, mirror, relay, taps, logger } = this.deps;
    const mirrored = mirror.linkByName(ifname);
    if (!mirrored || !this.has(ifname)) return;
    const link = { ...mirrored, adminUp: this.adminUp(ifname, mirrored.adminUp) };
    const prefixes = mirror.addressesOf(link.index).map((a) => a.prefix);
    const addresses = prefixes.map((p) => p.address);
    driver.run((now) => [
      ...host.setAdminUp(ifname, link.adminUp, now),
      // Down flushes carpN's routes, and routes for no address are not those of the next one:
      // KernelWork sets it up again before it runs again.
      ...(link.adminUp && prefixes.length > 0 ? [] : host.setKernelReady(ifname, null, now)),
      ...host.setAddresses(ifname, addresses, now),
    ]);
    if (!addressesPending) this.carpdevs.update(ifname, prefixes);
    const { config } = this.status(ifname);
    const layer2 = linkLayerOf(config);
    if (layer2.tapMac && !link.mac?.equals(layer2.tapMac)) taps.setMac(ifname, layer2.tapMac);
    const carpdev = this.usableCarpdev(config.carpdev);
    try {
      relay.reshape(ifname, portShapeOf(config, addresses, carpdev, link.adminUp));
    } catch (e: unknown) {
      logger.error({ ifname, carpdev: carpdev?.name, err: e }, `${ifname}: cannot attach to carpdev ${carpdev?.name}: ${describeError(e)}`);
    }
    this.deps.peerSockets.want(ifname, carpdev?.name ?? null, config.peers);
    this.deps.kernelWork.interfaceChanged(ifname, carpdev, link.adminUp ? prefixes : null);
  }

  /** KernelWork has set up carpN's kernel side for `carpdev`: the core may run it there. */
  kernelSetUp(ifname: string, carpdev: string | null): void {
    const { host, driver } = this.deps;
    if (this.has(ifname) && host.interfaceStatus(ifname) !== undefined) driver.run((now) => host.setKernelReady(ifname, carpdev, now));
  }

  /**
   * carpd is about to set carpN up or down in the kernel. Until the mirror reports that state, its
   * older reports (the carrier change that taking carpN down itself causes comes first) must not
   * undo it in the core for a moment; `undefined` forgets the expectation (the kernel refused).
   */
  expectAdmin(ifname: string, up: boolean | undefined): void {
    if (up === undefined) this.expectedAdmin.delete(ifname);
    else this.expectedAdmin.set(ifname, up);
  }

  /** carpN's up state: what carpd set, until the mirror reports it; then the mirror's. */
  private adminUp(ifname: string, mirrored: boolean): boolean {
    const expected = this.expectedAdmin.get(ifname);
    if (expected === undefined) return mirrored;
    if (expected === mirrored) this.expectedAdmin.delete(ifname);
    return expected;
  }

  /**
   * Hands the relay the sysctls it applies: net.inet.carp.arpbalance and net.inet.carp.fastpath,
   * which the core keeps but does not act on (src/carp/sysctl.ts). Run after every sysctl change.
   */
  applySysctls(): void {
    this.deps.relay.setArpBalance(this.deps.host.getSysctl('net.inet.carp.arpbalance') === '1');
    this.deps.relay.setFastPathEnabled(this.deps.host.getSysctl('net.inet.carp.fastpath') === '1');
  }

  /** An address of another interface changed: the carpdevs chosen by subnet may change with it. */
  syncAutomatic(): void {
    for (const name of this.names()) if (this.carpdevs.isAutomatic(name)) this.sync(name);
  }

  /** The addresses of carpN as the kernel mirror has them, in kernel order. */
  prefixesOf(ifname: string): IpPrefix[] {
    const link = this.deps.mirror.linkByName(ifname);
    return link ? this.deps.mirror.addressesOf(link.index).map((a) => a.prefix) : [];
  }

  /** The managed carp interfaces attached to `carpdev`. */
  usersOf(carpdev: string): string[] {
    return this.names().filter((name) => this.deps.host.interfaceStatus(name)?.config.carpdev === carpdev);
  }

  /**
   * OpenBSD's carp_set_ifp: the carpdev must exist and be Ethernet, and we must be able to open a
   * packet socket on it. (A missing carpdev would also count as a carpdev that is down, and demote
   * every carp interface of the host.)
   */
  checkCarpdev(name: string): void {
    if (this.has(name)) throw new CarpError('bad-value', `carpdev ${name} is a carp interface`);
    const link = this.deps.mirror.linkByName(name);
    if (!link) throw new CarpError('bad-value', `carpdev ${name}: no such interface`);
    if (!isEthernet(link)) throw new CarpError('bad-value', `carpdev ${name} is not an Ethernet interface`);
    this.deps.relay.checkCarpdev(name);
  }

  /** A carpdev that exists and can carry Ethernet frames, or null (carpN stays INIT). */
  private usableCarpdev(name: string | null): (CarpdevRef & { readonly mac: MacAddress }) | null {
    if (name === null) return null;
    const link = this.deps.mirror.linkByName(name);
    return link?.mac ? { name, index: link.index, mac: link.mac } : null;
  }
}

function isEthernet(link: LinkInfo): boolean {
  return link.mac !== null;
}
