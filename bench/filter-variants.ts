/**
 * The loops the filter benchmark times, each one batch of the relay's work on a ring of TCP frames
 * (bench/filter-frames.ts), with the relay's real classes and the native ends of
 * bench/filter-devices.ts. Pairs differ in the balancing mode alone, so their difference is what
 * `balancing ip` costs per frame:
 *   hash     BalancingPolicy.nodeOf alone on every frame: the IP fold and the node it picks;
 *   decide   CarpPort.offer on every frame of a batch, then flush: BalancingPolicy.nodeOf (the IP
 *            fold), the MASTER check and the inbound readdressing, as a carpdev batch calls them;
 *   send     a batch carp0 emitted: the outbound readdressing (carpdev MAC as source, ARP/NA check);
 *   relay    a whole batch from the carpdev: CarpdevPort's read and classification, offer, flush.
 * `bare` is the floor: the same pass over the frames with nothing decided.
 */
import { BY_IP_HASH } from '../src/balance/node-selectors';
import type { BalancingMode } from '../src/balance/modes';
import { type LinkLayer, linkLayerOf } from '../src/carp/link-layer';
import { VNET_HEADER_LENGTH } from '../src/native/types';
import { BalancingPolicy, type PortBalancing } from '../src/relay/balancing';
import { CarpPort } from '../src/relay/carp-port';
import { CarpdevPort, type CarpdevSink } from '../src/relay/carpdev-port';
import { FrameSelection } from '../src/relay/frame-batch';
import { type Family, type MacAddress, parseIp } from '../src/wire/address';
import { VIP4, VIP6 } from '../test/netns/carp-lab';
import { ReplayDevice, restoreAddresses } from './filter-devices';
import { tcpBatch } from './filter-frames';

export type VariantKind = 'bare' | 'hash' | 'decide' | 'send' | 'relay';
/** The two modes compared: no balancing (one vhid) and `balancing ip` over two carpnodes. */
export type FilterMode = Extract<BalancingMode, 'none' | 'ip'>;
export const FILTER_MODES: readonly FilterMode[] = ['none', 'ip'];

export interface Variant {
  readonly kind: VariantKind;
  readonly mode: FilterMode;
  readonly family: Family;
  /** Frames per call of run(). */
  readonly frames: number;
  /** Handles one batch. */
  run(): void;
  /** Frames let through so far (written into the TAP, or sent on the carpdev): proof the loop did the work. */
  passed(): number;
}

/** The carpdev's own MAC: the source of what carp0 sends in `balancing ip`. */
const CARPDEV_MAC = Buffer.from([0x02, 0x77, 0x00, 0x00, 0x00, 0x01]);

/** Every variant for one address family: bare, then hash, decide, send and relay in both modes. */
export function filterVariants(family: Family): Variant[] {
  return [
    bare(family),
    ...FILTER_MODES.map((mode) => hash(family, mode)),
    ...FILTER_MODES.map((mode) => decide(family, mode)),
    ...FILTER_MODES.map((mode) => send(family, mode)),
    ...FILTER_MODES.map((mode) => relay(family, mode)),
  ];
}

interface Shape {
  readonly layer2: LinkLayer;
  readonly nodeCount: number;
  readonly tapMac: MacAddress;
  readonly wireMac: MacAddress;
  /** How the carpdev's inbound table routes frames to the wire MAC: node 0, or BY_IP_HASH. */
  readonly selector: number;
}

/** carp0 as the daemon shapes it (src/carp/link-layer.ts): one vhid, or carpnodes 1 and 2 in `balancing ip`. */
function shapeOf(mode: FilterMode): Shape {
  const nodes = mode === 'none' ? [{ vhid: 1, advskew: 0 }] : [{ vhid: 1, advskew: 0 }, { vhid: 2, advskew: 100 }];
  const layer2 = linkLayerOf({ nodes, balancing: mode });
  const [route] = layer2.receive;
  if (layer2.tapMac === null || layer2.wireMac === null || route === undefined) throw new Error(`no link layer for ${mode}`);
  if (mode === 'ip' && route.node !== BY_IP_HASH) throw new Error('balancing ip should route the wire MAC by the IP hash');
  return { layer2, nodeCount: nodes.length, tapMac: layer2.tapMac, wireMac: layer2.wireMac, selector: route.node };
}

/** How carp0 meets the wire in the shape's mode, as the daemon tells its relay port. */
function viewOf({ layer2, tapMac, wireMac }: Shape): PortBalancing {
  return { mode: layer2.balancing, tapMac, wireMac, nodeMacs: layer2.nodeMacs, arpKey: null, carpdevMac: CARPDEV_MAC };
}

/**
 * carp0's relay port. This host is MASTER of every node, so every frame is kept and readdressed:
 * the most work per frame (a host MASTER of one of two nodes drops half after the hash).
 */
function carpPort(shape: Shape, tap: ReplayDevice, carpdev: ReplayDevice): CarpPort {
  const port = new CarpPort('carp0', tap, VNET_HEADER_LENGTH, (ifname, operation, e) => {
    throw new Error(`${ifname} ${operation}: ${String(e)}`);
  });
  port.setBalancing(viewOf(shape), shape.nodeCount);
  port.setMasters(Array.from({ length: shape.nodeCount }, (_, node) => node));
  port.attach(carpdev);
  return port;
}

function bare(family: Family): Variant {
  const batch = tcpBatch(family, 'inbound', shapeOf('ip').wireMac);
  const arena = Buffer.from(batch.arena);
  const selection = new FrameSelection();
  let passed = 0;
  return {
    kind: 'bare',
    mode: 'none',
    family,
    frames: batch.slots,
    run(): void {
      restoreAddresses(batch, arena);
      selection.clear();
      for (let slot = 0; slot < batch.slots; slot++) selection.add(batch.offsetOf(slot), batch.lengths[slot] as number);
      passed += selection.count;
    },
    passed: () => passed,
  };
}

function hash(family: Family, mode: FilterMode): Variant {
  const shape = shapeOf(mode);
  const policy = new BalancingPolicy(viewOf(shape), shape.nodeCount);
  const batch = tcpBatch(family, 'inbound', shape.wireMac);
  const arena = batch.arena;
  let passed = 0;
  return {
    kind: 'hash',
    mode,
    family,
    frames: batch.slots,
    run(): void {
      // Counting the frames a node took keeps the calls from being optimized away.
      for (let slot = 0; slot < batch.slots; slot++) {
        const at = batch.offsetOf(slot) + VNET_HEADER_LENGTH;
        if (policy.nodeOf(arena, at, (batch.lengths[slot] as number) - VNET_HEADER_LENGTH, shape.selector) >= 0) passed++;
      }
    },
    passed: () => passed,
  };
}

function decide(family: Family, mode: FilterMode): Variant {
  const shape = shapeOf(mode);
  const tap = new ReplayDevice(null);
  const port = carpPort(shape, tap, new ReplayDevice(null));
  const batch = tcpBatch(family, 'inbound', shape.wireMac);
  const arena = Buffer.from(batch.arena);
  return {
    kind: 'decide',
    mode,
    family,
    frames: batch.slots,
    run(): void {
      restoreAddresses(batch, arena);
      for (let slot = 0; slot < batch.slots; slot++) port.offer(arena, batch.offsetOf(slot), batch.lengths[slot] as number, shape.selector);
      port.flush(arena);
    },
    passed: () => tap.framesWritten,
  };
}

function send(family: Family, mode: FilterMode): Variant {
  const shape = shapeOf(mode);
  const batch = tcpBatch(family, 'outbound', shape.tapMac);
  const tap = new ReplayDevice(batch);
  const carpdev = new ReplayDevice(null);
  carpPort(shape, tap, carpdev);
  return { kind: 'send', mode, family, frames: batch.slots, run: () => tap.readable(), passed: () => carpdev.framesWritten };
}

function relay(family: Family, mode: FilterMode): Variant {
  const shape = shapeOf(mode);
  const tap = new ReplayDevice(null);
  const port = carpPort(shape, tap, new ReplayDevice(null));
  const batch = tcpBatch(family, 'inbound', shape.wireMac);
  const socket = new ReplayDevice(batch);
  const carpdev = new CarpdevPort('eth0', socket, FAILING_SINK, true);
  const vip = parseIp(family === 4 ? VIP4 : VIP6);
  carpdev.setRoutes([{ port, macs: [{ mac: shape.wireMac, node: shape.selector }], addresses: [vip], neighborNode: 0 }], []);
  return { kind: 'relay', mode, family, frames: batch.slots, run: () => socket.readable(), passed: () => tap.framesWritten };
}

/** A batch of TCP frames holds no advertisement, and the replayed socket never fails. */
const FAILING_SINK: CarpdevSink = {
  advertisement: () => {
    throw new Error('an advertisement in a batch of TCP frames');
  },
  carpdevError: (name, operation, e) => {
    throw new Error(`${name} ${operation}: ${String(e)}`);
  },
};
