/**
 * Address helpers for the listener's sanity check "does this connection come from the host the
 * config names for the machine it claims to be?". Loopback names and addresses count as one host;
 * IPv4-mapped IPv6 addresses (`::ffff:10.0.0.2`) are compared as their IPv4 form.
 */
import { lookup } from 'node:dns/promises';
import { isIP, isIPv4 } from 'node:net';

/**
 * The addresses a configured host may connect from: anything (`any`), any loopback address
 * (`loopback`), and/or the listed addresses (normalized with {@link normalizeAddress}).
 */
export interface AllowedSources {
  readonly any: boolean;
  readonly loopback: boolean;
  readonly addresses: ReadonlySet<string>;
}

/** Lower-cases, drops an IPv6 zone (`%eth0`) and turns `::ffff:a.b.c.d` into `a.b.c.d`. */
export function normalizeAddress(address: string): string {
  let a = address.trim().toLowerCase();
  const zone = a.indexOf('%');
  if (zone !== -1) a = a.slice(0, zone);
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  if (a.startsWith('::ffff:') && isIPv4(a.slice(7))) a = a.slice(7);
  return a;
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string): boolean {
  const a = normalizeAddress(address);
  if (isIPv4(a)) return a.startsWith('127.');
  return a === '::1' || a === '0:0:0:0:0:0:0:1';
}

/** True for `localhost`, `*.localhost` (RFC 6761) and loopback addresses. */
export function isLoopbackHost(host: string): boolean {
  const h = normalizeAddress(host);
  return h === 'localhost' || h.endsWith('.localhost') || isLoopbackAddress(h);
}

/** True for the wildcard addresses, which name no single host. */
export function isWildcardHost(host: string): boolean {
  const h = normalizeAddress(host);
  return h === '0.0.0.0' || h === '::' || h === '0:0:0:0:0:0:0:0';
}

/**
 * Where a machine configured at `host` may connect from. A hostname is resolved once with
 * dns.lookup (all addresses); if any of them is loopback, every loopback address is allowed too
 * (a local peer's source address on `lo` is 127.0.0.1 whatever it dialed). A wildcard host names
 * no single host and allows any source. Rejects when the name does not resolve.
 */
export async function allowedSourcesOf(host: string): Promise<AllowedSources> {
  const none = new Set<string>();
  if (isWildcardHost(host)) return { any: true, loopback: true, addresses: none };
  if (isLoopbackHost(host)) return { any: false, loopback: true, addresses: none };
  const literal = normalizeAddress(host);
  if (isIP(literal) !== 0) return { any: false, loopback: false, addresses: new Set([literal]) };
  const resolved = await lookup(host, { all: true, verbatim: true });
  const addresses = resolved.map((r) => normalizeAddress(r.address));
  return { any: false, loopback: addresses.some(isLoopbackAddress), addresses: new Set(addresses) };
}

/** True iff a connection from `remoteAddress` is allowed by `allowed`. */
export function sourceAllowed(allowed: AllowedSources, remoteAddress: string): boolean {
  if (allowed.any) return true;
  if (allowed.loopback && isLoopbackAddress(remoteAddress)) return true;
  return allowed.addresses.has(normalizeAddress(remoteAddress));
}

/** `host:port`, with brackets around an IPv6 address (`[::1]:5001`). */
export function formatEndpoint(host: string | undefined, port: number | undefined): string {
  const h = host ?? '?';
  return `${h.includes(':') ? `[${h}]` : h}:${port ?? '?'}`;
}
