/** `--metrics ADDRESS:PORT`: an IPv4 address, or an IPv6 one in brackets, and a TCP port. */
import { isIP } from 'node:net';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Throws an Error whose message says what is wrong (the caller makes it a usage error). */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || isIP(host) === 0) {
    throw new Error(`${text}: expected ADDRESS:PORT with an IP address, e.g. 127.0.0.1:9580 or [::1]:9580`);
  }
  if (!Number.isInteger(port) || port > 65535) throw new Error(`${text}: the port must be 0-65535`);
  return { host, port };
}

/** `127.0.0.1:9580`, `[::1]:9580`. */
export function formatListenAddress(address: ListenAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
