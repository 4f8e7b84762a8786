/**
 * The traffic-control rtnetlink requests that take the tc half of an in-kernel data path apart
 * (linux/rtnetlink.h, linux/pkt_sched.h): RTM_DELQDISC of carpN's clsact qdisc, which drops its
 * egress redirect with it, and RTM_DELTFILTER of our redirects on the carpdev's ingress by
 * preference. They are what `tc qdisc del dev carpN clsact` and `tc filter del dev CARPDEV ingress
 * pref P` send. Framing (nlmsghdr, attribute TLVs) is the `netlink` package's; struct tcmsg is
 * ours, in host byte order.
 */
import { AttrStream, formatMessage } from 'netlink';
import { writeHostU32 } from './rtnetlink-codec';
import { NLM_F_ACK, NLM_F_REQUEST, RTM_DELQDISC, RTM_DELTFILTER } from './rtnetlink-constants';

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
function request(type: number, seq: number, payload: Uint8Array[]): Buffer {
  const body = Buffer.concat(payload);
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  return Buffer.concat(formatMessage({ type, flags: NLM_F_REQUEST | NLM_F_ACK, seq, port: 0, data: padded }));
}

/** `tc qdisc del dev IFINDEX clsact`: the qdisc goes, and with it every filter on its ingress and egress. */
export function encodeDeleteClsact(ifindex: number, seq: number): Buffer {
  const out = new AttrStream();
  out.emit(tcmsg(ifindex, CLSACT_HANDLE, TC_H_CLSACT, 0));
  out.push(TCA_KIND, Buffer.from('clsact\0'));
  return request(RTM_DELQDISC, seq, out.bufs);
}

/** `tc filter del dev IFINDEX ingress pref PREFERENCE`: every filter of that preference, whatever its protocol. */
export function encodeDeleteIngressFilter(ifindex: number, preference: number, seq: number): Buffer {
  if (!Number.isInteger(preference) || preference < 1 || preference > 0xffff) {
    // Preference 0 would delete every filter on the hook, other programs' too.
    throw new RangeError(`filter preference ${preference} is not in 1..65535`);
  }
  return request(RTM_DELTFILTER, seq, [tcmsg(ifindex, 0, TC_PARENT_INGRESS, preference << 16)]);
}
