import type { IncomingHttpHeaders } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** 127.0.0.0/8 and ::1; BlockList also matches their IPv4-mapped IPv6 forms. Never changed after this. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether `address` is a literal IP address on the loopback interface. Names (even "localhost") are not. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Why a request must not be answered, or undefined when it plainly comes from a program in the
 * pod. The Host check defeats DNS rebinding (a page whose own name resolves to 127.0.0.1 sends
 * its own name as Host); the Origin and Sec-Fetch-Site checks keep a browser page from another
 * site from triggering reads, even ones whose answer it could not see.
 */
export function foreignRequestReason(headers: IncomingHttpHeaders): string | undefined {
  if (!isLoopbackHostHeader(headers.host)) return 'the Host header must name a loopback address';
  const origin = headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin)) return 'cross-origin requests are refused';
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return 'cross-site requests are refused';
  return undefined;
}

/** "localhost", a loopback IPv4 address or a bracketed loopback IPv6 address, each with an optional port. */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  const match = host === undefined ? null : /^(?:\[([^\]]+)\]|([^:[\]]+))(?::\d*)?$/.exec(host.toLowerCase());
  if (!match) return false;
  const name = match[1] ?? match[2]!;
  return match[2] === 'localhost' || isLoopbackAddress(name);
}

function isLoopbackOrigin(origin: string): boolean {
  if (!URL.canParse(origin)) return false; // includes the opaque origin "null"
  const { host } = new URL(origin);
  return isLoopbackHostHeader(host);
}
