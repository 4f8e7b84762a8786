/**
 * The traffic-control rtnetlink requests of the in-kernel data path (linux/rtnetlink.h,
 * linux/pkt_sched.h), each what the `tc` command named beside it sends:
 * - RTM_DELQDISC and RTM_NEWQDISC of carpN's clsact qdisc, when carpd finds carpN;
 * - RTM_DELTFILTER of every filter on carpN's egress (its redirect), and of our redirects on the
 *   carpdev's ingress by preference, when the path goes.
 * Framing (nlmsghdr, attribute TLVs) is the `netlink` package's; struct tcmsg is ours, in host
 * byte order.
 */
import { AttrStream, formatMessage } from 'netlink';
import { writeHostU32 } from './rtnetlink-codec';
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, RTM_DELQDISC, RTM_DELTFILTER, RTM_NEWQDISC } from './rtnetlink-constants';

// struct tcmsg: family (u8), two pad bytes and a u16 of padding, ifindex (s32), handle, parent, info (u32).
export const TCMSG_LENGTH = 20;
export const TCMSG_OFFSET_FAMILY = 0;
export const TCMSG_OFFSET_IFINDEX = 4;
export const TCMSG_OFFSET_HANDLE = 8;
export const TCMSG_OFFSET_PARENT = 12;
/** Filters: the preference in the upper 16 bits, the protocol (network order) in the lower; 0 = any. */
export const TCMSG_OFFSET_INFO = 16;

/** The qdisc's kind (a NUL-terminated string). */
export const TCA_KIND = 1;

/** clsact's parent (TC_H_CLSACT, the same value as TC_H_INGRESS) and its handle (TC_H_MAKE(TC_H_CLSACT, 0)). */
export const TC_H_CLSACT = 0xffff_fff1;
export const CLSACT_HANDLE = 0xffff_0000;
/** The ingress hook of a clsact qdisc: TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS). */
export const TC_PARENT_INGRESS = 0xffff_fff2;
/** Its egress hook: TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS). */
export const TC_PARENT_EGRESS = 0xffff_fff3;

function tcmsg(ifindex: number, handle: number, parent: number, info: number): Buffer {
  const b = Buffer.alloc(TCMSG_LENGTH);
  b[TCMSG_OFFSET_FAMILY] = 0; // AF_UNSPEC
  writeHostU32(b, ifindex, TCMSG_OFFSET_IFINDEX); // an index is positive: its s32 and u32 bytes agree
  writeHostU32(b, handle, TCMSG_OFFSET_HANDLE);
  writeHostU32(b, parent, TCMSG_OFFSET_PARENT);
  writeHostU32(b, info, TCMSG_OFFSET_INFO);
  return b;
}

/** One framed request whose length counts its padding to 4 bytes, as `tc` sends it, so that several can share a datagram. */
function request(type: number, seq: number, payload: Uint8Array[], flags = 0): Buffer {
  const body = Buffer.concat(payload);
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  return Buffer.concat(formatMessage({ type, flags: NLM_F_REQUEST | NLM_F_ACK | flags, seq, port: 0, data: padded }));
}

function clsact(ifindex: number): Uint8Array[] {
  const out = new AttrStream();
  out.emit(tcmsg(ifindex, CLSACT_HANDLE, TC_H_CLSACT, 0));
  out.push(TCA_KIND, Buffer.from('clsact\0'));
  return out.bufs;
}

/** `tc qdisc del dev IFINDEX clsact`: the qdisc goes, and with it every filter on its ingress and egress. */
export function encodeDeleteClsact(ifindex: number, seq: number): Buffer {
  return request(RTM_DELQDISC, seq, clsact(ifindex));
}

/** `tc qdisc add dev IFINDEX clsact`: refused (EEXIST) where there is one. */
export function encodeAddClsact(ifindex: number, seq: number): Buffer {
  return request(RTM_NEWQDISC, seq, clsact(ifindex), NLM_F_CREATE | NLM_F_EXCL);
}

/**
 * `tc filter del dev IFINDEX egress`: preference 0 flushes the hook, every filter on it goes.
 * Only for carpN, whose egress is ours alone; EINVAL where carpN has no clsact qdisc.
 */
export function encodeFlushEgressFilters(ifindex: number, seq: number): Buffer {
  return request(RTM_DELTFILTER, seq, [tcmsg(ifindex, 0, TC_PARENT_EGRESS, 0)]);
}

/** `tc filter del dev IFINDEX ingress pref PREFERENCE`: every filter of that preference, whatever its protocol. */
export function encodeDeleteIngressFilter(ifindex: number, preference: number, seq: number): Buffer {
  if (!Number.isInteger(preference) || preference < 1 || preference > 0xffff) {
    // Preference 0 would delete every filter on the hook, other programs' too.
    throw new RangeError(`filter preference ${preference} is not in 1..65535`);
  }
  return request(RTM_DELTFILTER, seq, [tcmsg(ifindex, 0, TC_PARENT_INGRESS, preference << 16)]);
}
