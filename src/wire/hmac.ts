/**
 * CARP authentication (docs/protocol.md §2): HMAC-SHA1 keyed with the passphrase as the BSD
 * ifconfigs store it (strlcpy into 20 bytes, so at most 19 bytes count), over
 * `02 01 [lladdr] vhid sorted-IPv4 sorted-IPv6 counter`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IpAddress, compareIp, isIpv6LinkLocal } from './address';
import { CARP_HMAC_LENGTH, CARP_TYPE_ADVERTISEMENT, CARP_VERSION } from './carp';

/** CARP_KEY_LEN is 20 and strlcpy keeps room for the NUL. */
export const CARP_PASSPHRASE_MAX = 19;

export interface CarpKey {
  /** What HMAC-SHA1 is keyed with; trailing zeros of the kernel's 20-byte key do not change HMAC. */
  readonly bytes: Buffer;
  /** True when the passphrase was longer than 19 bytes (BSDs cut it silently, ucarp refuses it). */
  readonly truncated: boolean;
}

export function deriveKey(passphrase: string | Buffer): CarpKey {
  const raw = typeof passphrase === 'string' ? Buffer.from(passphrase, 'utf8') : passphrase;
  const nul = raw.indexOf(0);
  const text = nul >= 0 ? raw.subarray(0, nul) : raw; // strlcpy stops at the first NUL
  return {
    bytes: Buffer.from(text.subarray(0, CARP_PASSPHRASE_MAX)),
    truncated: text.length > CARP_PASSPHRASE_MAX,
  };
}

export interface HmacInput {
  readonly vhid: number;
  /** Every address of the virtual host, both families, in configuration order. */
  readonly addresses: readonly IpAddress[];
  /** The 8 counter bytes as they appear on the wire. */
  readonly counter: Buffer;
  /** OpenBSD only: a non-default carp MAC is hashed after the type byte (docs/protocol.md §2.3). */
  readonly lladdr?: Buffer | undefined;
}

/**
 * The message forms a receiver may have to accept (docs/protocol.md §2.6), in the order tried.
 * - `sorted`: what OpenBSD >= 4.2, FreeBSD >= 10 and ucarp send; we send only this one.
 * - `sorted-with-link-local`: OpenBSD's second accepted form; FreeBSD hashes link-locals it binds.
 * - `configuration-order`: OpenBSD <= 3.9, MirBSD and FreeBSD <= 9 hash in interface-list order.
 */
export type HmacVariant = 'sorted' | 'sorted-with-link-local' | 'configuration-order';

const ALL_ZERO_V4 = Buffer.alloc(4);
const ALL_ONES_V4 = Buffer.alloc(4, 0xff);
const ALL_ZERO_V6 = Buffer.alloc(16);
const ALL_ONES_V6 = Buffer.alloc(16, 0xff);

/**
 * The kernels walk the list picking the "next larger" address with strict comparisons: each
 * address once, and the all-zero and all-ones addresses never.
 */
function hashableSorted(addresses: readonly IpAddress[], family: 4 | 6, withLinkLocal: boolean): IpAddress[] {
  const [lowest, highest] = family === 4 ? [ALL_ZERO_V4, ALL_ONES_V4] : [ALL_ZERO_V6, ALL_ONES_V6];
  const sorted = addresses
    .filter((a) => a.family === family && (withLinkLocal || !isIpv6LinkLocal(a)))
    .filter((a) => !a.bytes.equals(lowest) && !a.bytes.equals(highest))
    .sort(compareIp);
  return sorted.filter((a, i) => i === 0 || !a.bytes.equals((sorted[i - 1] as IpAddress).bytes));
}

function addressesFor(input: HmacInput, variant: HmacVariant): IpAddress[] {
  switch (variant) {
    case 'sorted':
      return [...hashableSorted(input.addresses, 4, false), ...hashableSorted(input.addresses, 6, false)];
    case 'sorted-with-link-local':
      return [...hashableSorted(input.addresses, 4, true), ...hashableSorted(input.addresses, 6, true)];
    case 'configuration-order':
      return [...input.addresses.filter((a) => a.family === 4), ...input.addresses.filter((a) => a.family === 6)];
  }
}

export function hmacMessage(input: HmacInput, variant: HmacVariant = 'sorted'): Buffer {
  return Buffer.concat([
    Buffer.from([CARP_VERSION, CARP_TYPE_ADVERTISEMENT]),
    input.lladdr ?? Buffer.alloc(0),
    Buffer.from([input.vhid]),
    ...addressesFor(input, variant).map((a) => a.bytes),
    input.counter,
  ]);
}

export function computeHmac(key: CarpKey, input: HmacInput, variant: HmacVariant = 'sorted'): Buffer {
  return createHmac('sha1', key.bytes).update(hmacMessage(input, variant)).digest();
}

/** The variants worth trying for this address list: a form identical to an earlier one is skipped. */
function candidateVariants(input: HmacInput): HmacVariant[] {
  const variants: HmacVariant[] = ['sorted'];
  if (input.addresses.some(isIpv6LinkLocal)) variants.push('sorted-with-link-local');
  const inOrder = addressesFor(input, 'configuration-order');
  const sortedAll = addressesFor(input, 'sorted-with-link-local');
  if (inOrder.length !== sortedAll.length || inOrder.some((a, i) => !a.bytes.equals((sortedAll[i] as IpAddress).bytes))) {
    variants.push('configuration-order');
  }
  return variants;
}

/**
 * Checks a received HMAC against every accepted message form, each in constant time. Returns the
 * form that matched, or null.
 */
export function verifyHmac(key: CarpKey, input: HmacInput, received: Buffer): HmacVariant | null {
  if (received.length !== CARP_HMAC_LENGTH) return null;
  for (const variant of candidateVariants(input)) {
    if (timingSafeEqual(computeHmac(key, input, variant), received)) return variant;
  }
  return null;
}
