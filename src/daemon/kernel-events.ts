/**
 * Kernel changes seen by the mirror, turned into core events (docs/design.md, "What the kernel must be told"): carpN
 * up/down and addresses (`ip link`, `ip addr`), carpdev link state, and devices that appear or
 * vanish. Everything the kernel says is applied through CarpInterfaces.sync, which is idempotent.
 */
import { CARP_INTERFACE_NAME } from '../carp/limits';
import type { CarpHostApi } from '../carp/types';
import type { KernelEvent, KernelMirror, LinkInfo } from '../kernel/types';
import type { Relay } from '../relay/relay';
import type { CarpInterfaces } from './carp-interfaces';
import type { Driver } from './driver';
import { describeError } from './describe-error';
import type { Logger } from './logger';

export class KernelEventHandler {
  constructor(
    private readonly interfaces: CarpInterfaces,
    private readonly host: CarpHostApi,
    private readonly driver: Driver,
    private readonly relay: Relay,
    private readonly mirror: KernelMirror,
    private readonly logger: Logger,
  ) {}

  /** Tells the core which links are up with carrier (the carpdev running condition). */
  reportAllLinks(): void {
    for (const link of this.mirror.links()) this.handle({ kind: 'link-changed', link });
  }

  /** Never throws: whatever the kernel reports, a failure is logged and the daemon goes on. */
  handle(event: KernelEvent): void {
    try {
      this.apply(event);
    } catch (e: unknown) {
      this.logger.error({ event: event.kind, err: e }, `kernel event ${event.kind} not applied: ${describeError(e)}`);
    }
  }

  private apply(event: KernelEvent): void {
    switch (event.kind) {
      case 'link-changed':
        return this.linkChanged(event.link);
      case 'link-removed':
        return this.linkRemoved(event.link);
      case 'address-added':
      case 'address-removed': {
        const link = this.mirror.linkByIndex(event.address.ifindex);
        if (link && this.interfaces.has(link.name)) this.interfaces.sync(link.name);
        // Another interface's subnets decide the carpdev of the carp interfaces given none.
        else if (link) this.interfaces.syncAutomatic();
        return;
      }
    }
  }

  private linkChanged(link: LinkInfo): void {
    if (this.interfaces.has(link.name)) {
      this.interfaces.sync(link.name);
      return;
    }
    // carpN names are never carpdevs (the core refuses them as such).
    if (CARP_INTERFACE_NAME.test(link.name)) return;
    // OpenBSD carp_carpdev_state: a carpdev that is down or has no link stops its carp interfaces.
    this.driver.run((now) => this.host.setCarpdevRunning(link.name, link.adminUp && link.lowerUp, now));
    for (const user of this.interfaces.usersOf(link.name)) this.interfaces.sync(user);
  }

  private linkRemoved(link: LinkInfo): void {
    if (this.interfaces.owns(link)) {
      this.logger.warn({ ifname: link.name }, `${link.name}: the device was deleted outside carpd; forgetting it`);
      void this.interfaces.remove(link.name, 'vanished');
      return;
    }
    if (CARP_INTERFACE_NAME.test(link.name)) return;
    this.driver.run((now) => this.host.setCarpdevRunning(link.name, false, now));
    this.relay.dropCarpdev(link.name);
    for (const user of this.interfaces.usersOf(link.name)) this.interfaces.sync(user);
  }
}
