/**
 * The address this host advertises from on each carpdev, by family (source-address.ts): what the
 * core is told is ours with every advertisement received (VRRPv3 compares it with the sender's). A
 * BACKUP of hundreds of vhids receives hundreds of advertisements a second, so each answer is kept
 * until the kernel reports a change of an address or a link.
 */
import type { Family, IpAddress } from '../wire/address';
import { advertisementSource } from './source-address';

export class LocalSources {
  /** By carpdev, then family; null: the carpdev has no address of the family. */
  private readonly known = new Map<string, Map<Family, IpAddress | null>>();

  constructor(
    /** The carpdev's addresses as the kernel lists them. */
    private readonly addressesOf: (carpdev: string) => readonly IpAddress[],
    /** Calls its listener after each change the kernel reports (an address, a link). */
    onKernelChange: (listener: () => void) => void,
  ) {
    onKernelChange(() => this.known.clear());
  }

  of(carpdev: string, family: Family): IpAddress | null {
    let byFamily = this.known.get(carpdev);
    if (byFamily === undefined) this.known.set(carpdev, (byFamily = new Map<Family, IpAddress | null>()));
    let source = byFamily.get(family);
    if (source === undefined) byFamily.set(family, (source = advertisementSource(family, this.addressesOf(carpdev), [])));
    return source;
  }
}
