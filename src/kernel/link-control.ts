/**
 * KernelControl over rtnetlink: what `ip link set X up|down` and `ip addr add|del` do, with errors
 * that name the interface, the address and the errno.
 */
import { type IpPrefix, formatPrefix } from '../wire/address';
import { KernelError, invalidArgument } from './errors';
import { checkInterfaceName } from './interface-name';
import { RtnlRequester, type RtnlRequests } from './rtnl-requester';
import { decodeLink, encodeAddressRequest, encodeLinkByName } from './rtnetlink-codec';
import * as c from './rtnetlink-constants';
import type { KernelControl } from './types';

function checkPrefix(operation: string, prefix: IpPrefix): void {
  const { family, bytes } = prefix.address;
  const bits = family === 4 ? 32 : 128;
  const validFamily = (family === 4 && bytes.length === 4) || (family === 6 && bytes.length === 16);
  if (!validFamily || !Number.isInteger(prefix.prefixLength) || prefix.prefixLength < 0 || prefix.prefixLength > bits) {
    throw invalidArgument(operation, 'not an IPv4 or IPv6 prefix with a valid length');
  }
}

export class NetlinkControl implements KernelControl {
  constructor(private readonly requester: RtnlRequests = new RtnlRequester()) {}

  async setLinkUp(name: string, up: boolean): Promise<void> {
    const operation = `setLinkUp ${name} ${up ? 'up' : 'down'}`;
    checkInterfaceName(operation, name);
    await this.requester.request(operation, c.RTM_SETLINK, 0, encodeLinkByName(name, up ? c.IFF_UP : 0, c.IFF_UP));
  }

  /** IPv6 addresses skip DAD (IFA_F_NODAD): a VIP must be usable the moment this host takes over. */
  async addAddress(name: string, prefix: IpPrefix): Promise<void> {
    const operation = `addAddress ${name} ${this.describe(prefix)}`;
    checkInterfaceName(operation, name);
    checkPrefix(operation, prefix);
    const index = await this.linkIndex(operation, name);
    const flags = prefix.address.family === 6 ? c.IFA_F_NODAD : 0;
    const payload = encodeAddressRequest(index, prefix, flags);
    await this.requester.request(operation, c.RTM_NEWADDR, c.NLM_F_CREATE | c.NLM_F_EXCL, payload);
  }

  async removeAddress(name: string, prefix: IpPrefix): Promise<void> {
    const operation = `removeAddress ${name} ${this.describe(prefix)}`;
    checkInterfaceName(operation, name);
    checkPrefix(operation, prefix);
    const index = await this.linkIndex(operation, name);
    await this.requester.request(operation, c.RTM_DELADDR, 0, encodeAddressRequest(index, prefix, 0));
  }

  close(): void {
    this.requester.close();
  }

  private async linkIndex(operation: string, name: string): Promise<number> {
    const answer = await this.requester.request(operation, c.RTM_GETLINK, 0, encodeLinkByName(name));
    const link = answer.find((message) => message.type === c.RTM_NEWLINK);
    if (!link) throw new KernelError('EBADMSG', `${operation}: the kernel answered without describing ${name}`);
    return decodeLink(link.data).index;
  }

  private describe(prefix: IpPrefix): string {
    try {
      return formatPrefix(prefix);
    } catch {
      return '(invalid prefix)';
    }
  }
}
