/** Refuses webhook and API URLs that point into private networks (SSRF), by name, by literal address and at DNS resolution time. */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { XivdigestError } from '../../core/errors.js';

/**
 * Ranges a delivery must not reach unless the channel allows it: RFC 6890 special-purpose blocks. Unspecified,
 * loopback, private (RFC 1918), CGNAT (RFC 6598), link-local (RFC 3927), IETF protocol assignments, benchmarking
 * (RFC 2544), multicast and reserved; for IPv6 the unspecified and loopback addresses, IPv4-compatible, unique-local
 * (RFC 4193), link-local, the old site-local and multicast. IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96)
 * addresses are judged by the IPv4 address inside them.
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** True when an IP address (v4 or v6, any textual form Node accepts) lies in a private or special range. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family !== 6) return false;
  const embedded = embeddedIpv4(bare);
  if (embedded !== undefined) return blocked.check(embedded, 'ipv4');
  return blocked.check(bare, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const groups = expandIpv6(address);
  if (!groups) return undefined;
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0);
  if (!mapped && !nat64) return undefined;
  const high = groups[6]!;
  const low = groups[7]!;
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** Eight 16-bit groups of an IPv6 address (with an embedded dotted IPv4 tail allowed). */
function expandIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const parts = tail[1]!.split('.').map(Number);
    text = `${text.slice(0, tail.index)}${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest === undefined ? [] : rest ? rest.split(':') : [];
  const missing = 8 - headGroups.length - restGroups.length;
  if (rest === undefined ? missing !== 0 : missing < 0) return undefined;
  const groups = [...headGroups, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...restGroups].map((group) => parseInt(group, 16));
  return groups.length === 8 && groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : undefined;
}

/** Host names that always mean this machine (RFC 6761 §6.3), whatever DNS says. */
function isLocalName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || name === 'localhost.localdomain';
}

export interface UrlCheckOptions {
  /** What the URL is for, in messages: `Slack webhook URL`. */
  label: string;
  /** The channel's `allowPrivateNetwork` setting. */
  allowPrivateNetwork?: boolean;
  /** Shown instead of the URL (secrets masked). */
  shownUrl?: string;
}

/**
 * Parses a delivery URL and checks what can be checked without DNS: http or https only, no credentials, and no
 * private address literal or local name. WHATWG URL parsing turns `2130706433`, `0177.0.0.1` and `0x7f.1` into
 * `127.0.0.1` first, so those forms are caught as well. Throws CONFIG_INVALID or DELIVERY_URL_REFUSED.
 */
export function checkDeliveryUrl(raw: string, options: UrlCheckOptions): URL {
  const shown = options.shownUrl ?? raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `The ${options.label} is not a URL: ${JSON.stringify(shown)}`,
      hint: 'Give an absolute http:// or https:// URL',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new XivdigestError({
      code: 'DELIVERY_URL_REFUSED',
      message: `The ${options.label} uses ${url.protocol.replace(/:$/, '')}, not http or https: ${shown}`,
      hint: 'Only http:// and https:// URLs are delivered to',
      details: { url: shown },
    });
  }
  if (options.allowPrivateNetwork) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isLocalName(host) || (isIP(host) !== 0 && isPrivateAddress(host))) {
    throw refusedError(options.label, shown, host);
  }
  return url;
}

/** The error for a URL that leads into a private network. */
export function refusedError(label: string, shownUrl: string, address: string, hostname?: string): XivdigestError {
  const where = hostname && hostname !== address ? `${hostname} resolves to ${address}` : `${address} is`;
  return new XivdigestError({
    code: 'DELIVERY_URL_REFUSED',
    message: `Refused to deliver to the ${label} ${shownUrl}: ${where} a private, loopback, link-local or otherwise local address`,
    hint: 'If this destination is meant to be on your own network, set allowPrivateNetwork: true for this channel',
    details: { url: shownUrl, address, ...(hostname ? { hostname } : {}) },
  });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request` that resolves every address of the host and refuses the connection when any of them is
 * private, so that a name that resolves (or re-resolves, DNS rebinding) into the local network is caught at the moment
 * of connecting, not only when the channel was set up.
 */
export function createGuardedLookup(
  label: string,
  shownUrl: string,
): (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, [] as LookupAddress[]);
        return;
      }
      const bad = addresses.find((entry) => isPrivateAddress(entry.address));
      if (bad) {
        const refused = refusedError(label, shownUrl, bad.address, hostname) as unknown as NodeJS.ErrnoException;
        callback(refused, [] as LookupAddress[]);
        return;
      }
      if ((options as LookupAllOptions).all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
