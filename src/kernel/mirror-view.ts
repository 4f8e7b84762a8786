/**
 * What every KernelMirror answers from its MirrorState, whatever feeds that state: the real
 * mirror fills it from rtnetlink, the tests' fake from a FakeKernel. Keeping the queries here
 * means both answer them the same way, so a test sees what the daemon would.
 */
import { MirrorState } from './mirror-state';
import type { AddressInfo, KernelEvent, LinkInfo } from './types';

export type KernelEventListener = (event: KernelEvent) => void;

export abstract class MirrorView {
  protected readonly state = new MirrorState();
  protected readonly listeners: KernelEventListener[] = [];

  linkByName(name: string): LinkInfo | undefined {
    return this.state.linkByName(name);
  }

  linkByIndex(index: number): LinkInfo | undefined {
    return this.state.linkByIndex(index);
  }

  links(): readonly LinkInfo[] {
    return this.state.links();
  }

  addressesOf(ifindex: number): readonly AddressInfo[] {
    return this.state.addressesOf(ifindex);
  }

  onEvent(listener: KernelEventListener): void {
    this.listeners.push(listener);
  }
}
