/**
 * Where the hub may send a webhook. Deployed, a subscription's URL must be https and
 * every address its host resolves to must be a public unicast address: never
 * private, loopback, link-local (the instance metadata service lives there) or
 * otherwise reserved, in IPv4 or IPv6, including IPv4 hidden inside IPv6 (mapped,
 * NAT64). Otherwise a subscription could make the hub call into its own network.
 *
 * Checked twice: when the subscription is created (a clear 422 for the officer) and
 * at every delivery, inside the connection's own DNS lookup (`safeLookup`), so the
 * address checked is the address connected to and a DNS answer that changes after
 * creation (rebinding) cannot slip through.
 *
 * The local hub (WEBHOOK_URL_POLICY=allow-loopback) also allows http and loopback addresses, so
 * tests and developers can receive webhooks on 127.0.0.1. Nothing else.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'reserved';

const ranges: Array<[AddressClass, string, number, 'ipv4' | 'ipv6']> = [
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['loopback', '::1', 128, 'ipv6'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['private', '100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['private', 'fc00::', 7, 'ipv6'], // unique local
  ['link-local', '169.254.0.0', 16, 'ipv4'], // includes 169.254.169.254, instance metadata
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['reserved', '0.0.0.0', 8, 'ipv4'], // "this network"
  ['reserved', '192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['reserved', '192.0.2.0', 24, 'ipv4'], // documentation
  ['reserved', '198.18.0.0', 15, 'ipv4'], // benchmarking
  ['reserved', '198.51.100.0', 24, 'ipv4'], // documentation
  ['reserved', '203.0.113.0', 24, 'ipv4'], // documentation
  ['reserved', '224.0.0.0', 4, 'ipv4'], // multicast
  ['reserved', '240.0.0.0', 4, 'ipv4'], // reserved, and 255.255.255.255 broadcast
  ['reserved', '::', 128, 'ipv6'], // unspecified
  ['reserved', '::', 96, 'ipv6'], // IPv4-compatible (deprecated)
  ['reserved', '100::', 64, 'ipv6'], // discard
  ['reserved', '2001:db8::', 32, 'ipv6'], // documentation
  ['reserved', 'fec0::', 10, 'ipv6'], // site-local (deprecated)
  ['reserved', 'ff00::', 8, 'ipv6'], // multicast
];

const lists = new Map<AddressClass, BlockList>();
for (const [kind, network, prefix, family] of ranges) {
  if (!lists.has(kind)) lists.set(kind, new BlockList());
  lists.get(kind)!.addSubnet(network, prefix, family);
}

/** An IPv6 address as its eight 16-bit words (`::` expanded, a trailing dotted quad converted). */
function ipv6Words(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -quad[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail, ...more] = text.split('::');
  if (more.length > 0) return undefined;
  const part = (s: string | undefined) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return undefined;
  const words = [...left, ...Array<number>(tail === undefined ? 0 : missing).fill(0), ...right];
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : undefined;
}

/**
 * The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d)
 * IPv6 address, in any spelling (::ffff:a00:1 is 10.0.0.1): such an address reaches
 * that IPv4 host, so it is judged as that host.
 */
export function embeddedIpv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const w = ipv6Words(address);
  if (!w) return undefined;
  const mapped = w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff;
  const nat64 = w[0] === 0x64 && w[1] === 0xff9b && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0;
  if (!mapped && !nat64) return undefined;
  return [w[6]! >> 8, w[6]! & 255, w[7]! >> 8, w[7]! & 255].join('.');
}

/** What kind of address this is; anything that is not an IP address at all counts as reserved. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''); // [v6] literals, zone ids
  const family = isIP(bare);
  if (family === 0) return 'reserved';
  if (family === 6) {
    const inner = embeddedIpv4(bare);
    if (inner) return classifyAddress(inner);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [kind, list] of lists) if (list.check(bare, type)) return kind;
  return 'public';
}

export function isAllowedAddress(address: string, localMode: boolean): boolean {
  const kind = classifyAddress(address);
  return kind === 'public' || (localMode && kind === 'loopback');
}

/** The URL's shape: scheme, no credentials, a host. Returns the reason it is refused, if it is. */
export function urlProblem(raw: string, localMode: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Must be an absolute URL.';
  }
  const schemes = localMode ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) return localMode ? 'Must be an http or https URL.' : 'Must be an https URL.';
  if (url.username || url.password) return 'Must not carry credentials; the signature authenticates the hub.';
  if (!url.hostname) return 'Must name a host.';
  if (url.hash) return 'Must not have a fragment.';
  return undefined;
}

type LookupAll = (hostname: string) => Promise<LookupAddress[]>;

const lookupAll: LookupAll = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

/**
 * Resolves the URL's host (node:dns) and checks every address it resolves to: one
 * forbidden address refuses the URL, since the client may connect to any of them.
 * Returns the reason it is refused, if it is.
 */
export async function resolvedUrlProblem(raw: string, localMode: boolean, resolve: LookupAll = lookupAll): Promise<string | undefined> {
  const shape = urlProblem(raw, localMode);
  if (shape) return shape;
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await resolve(host)).map((a) => a.address);
    } catch (error) {
      return `The host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'DNS error'}).`;
    }
  }
  if (addresses.length === 0) return `The host ${host} does not resolve.`;
  const refused = addresses.filter((a) => !isAllowedAddress(a, localMode));
  if (refused.length > 0) return `The host ${host} resolves to a ${classifyAddress(refused[0]!)} address (${refused.join(', ')}), which the hub does not call.`;
  return undefined;
}

/** A refused address, as a connection error (not a retry-worthy network blip, but retried like any failure). */
export class ForbiddenAddressError extends Error {
  override name = 'ForbiddenAddressError';
  readonly code = 'EFORBIDDENADDRESS';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s) `request`: resolves as dns.lookup does and fails the
 * connection when any resolved address is forbidden, so the socket can only ever
 * open to an address this module has allowed.
 */
export function safeLookup(localMode: boolean, resolve: LookupAll = lookupAll) {
  return function lookup(hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void {
    resolve(hostname).then(
      (addresses) => {
        const family = options.family === 6 || options.family === 'IPv6' ? 6 : options.family === 4 || options.family === 'IPv4' ? 4 : 0;
        const candidates = family ? addresses.filter((a) => a.family === family) : addresses;
        const refused = addresses.find((a) => !isAllowedAddress(a.address, localMode));
        if (refused || candidates.length === 0) {
          const reason = refused ? `${hostname} resolves to ${classifyAddress(refused.address)} address ${refused.address}` : `${hostname} has no usable address`;
          return callback(new ForbiddenAddressError(reason), options.all ? [] : '', 0);
        }
        if (options.all) return callback(null, candidates);
        callback(null, candidates[0]!.address, candidates[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, options.all ? [] : '', 0),
    );
  };
}
