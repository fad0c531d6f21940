/**
 * Where deliveries may go (docs/contract.md#admin-api, #security): the SSRF policy applied when a webhook is
 * created or edited, and again by the delivery sender on the address it actually connects to.
 */
import ipaddr from 'ipaddr.js';
import type { HostResolver } from './ports';

export interface DestinationOptions {
  /** ALLOW_INSECURE_LOCALHOST: `http://` and loopback destinations, for local development only. */
  allowInsecureLocalhost: boolean;
}

const MAX_URL_LENGTH = 2048;

/** Addresses cloud providers answer metadata (and credentials) on; refused whatever their range says. */
const METADATA_ADDRESSES: readonly string[] = [
  '169.254.169.254', // AWS, Azure, GCP, OpenStack, DigitalOcean
  '169.254.170.2', // AWS ECS task credentials
  '169.254.169.253', // AWS VPC DNS
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud
  'fd00:ec2::254', // AWS IMDS over IPv6
  'fd00:ec2::253', // AWS VPC DNS over IPv6
].map((address) => ipaddr.parse(address).toNormalizedString());

/** Exact names of metadata services and other hosts that only mean something inside a network. */
const FORBIDDEN_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.com',
  'instance-data',
  'instance-data.ec2.internal',
  'kubernetes.default',
  'kubernetes.default.svc',
]);

/** Suffixes (RFC 6761/6762/8375 special-use and common private zones) that never name a public host. */
const FORBIDDEN_SUFFIXES = [
  'localhost',
  'local',
  'internal',
  'localdomain',
  'home.arpa',
  'arpa',
  'lan',
  'intranet',
  'corp',
  'onion',
  'invalid',
];

/**
 * Checks a destination URL's text and host without resolving it; returns what is wrong, or null.
 * The WHATWG parser already turns decimal, octal, hex and short IPv4 forms into dotted quads,
 * so `https://0x7f.1/` is judged as 127.0.0.1.
 */
export function checkDestinationUrl(raw: string, options: DestinationOptions): string | null {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters long`;
  // The URL parser silently drops tabs and newlines and trims spaces; what is stored must be what is checked.
  if (hasSpaceOrControl(raw)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL, e.g. https://hooks.example.com/chat';
  }
  if (url.username !== '' || url.password !== '') {
    return 'must not contain a username or password; use the authentication field instead';
  }
  if (url.hash !== '' || raw.includes('#')) return 'must not contain a fragment (#...)';
  const host = hostOf(url);
  if (host === '') return 'must name a host';
  // The URL parser accepts it, the HTTP client cannot connect to it: every attempt would fail.
  if (url.port === '0') return 'must not use port 0';
  const isLoopbackHost = isLoopbackName(host) || (ipaddr.isValid(host) && isLoopbackAddress(host));
  const isWebScheme = url.protocol === 'http:' || url.protocol === 'https:';
  // A developer pointing at a local receiver learns the one switch that allows it (docs/contract.md#local-runtime).
  if (isWebScheme && isLoopbackHost && !options.allowInsecureLocalhost) {
    return `${url.protocol === 'http:' ? 'must use https://' : `host ${host} is loopback`}; a loopback destination (http:// or https://) is allowed only when the service runs with ALLOW_INSECURE_LOCALHOST=true, for local development`;
  }
  if (url.protocol === 'http:') {
    if (!(options.allowInsecureLocalhost && isLoopbackHost)) return 'must use https://';
  } else if (url.protocol !== 'https:') {
    return 'must use https://';
  }
  if (options.allowInsecureLocalhost && isLoopbackHost) return null;
  if (ipaddr.isValid(host)) {
    const reason = forbiddenAddressReason(host);
    return reason === null ? null : `host ${host} is ${reason}`;
  }
  const nameReason = forbiddenHostnameReason(host);
  return nameReason === null ? null : `host ${host} is ${nameReason}`;
}

/**
 * Why an IP address must not be a delivery destination, or null when it is public unicast.
 * Ranges come from ipaddr.js's classification; IPv6 forms that embed an IPv4 address are judged
 * by that address too.
 */
export function forbiddenAddressReason(ip: string): string | null {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.parse(stripBrackets(ip));
  } catch {
    return 'not a valid IP address';
  }
  if (METADATA_ADDRESSES.includes(address.toNormalizedString())) return 'a cloud metadata address';
  if (address.kind() === 'ipv4') return ipv4Reason(address as ipaddr.IPv4);
  return ipv6Reason(address as ipaddr.IPv6);
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms (::ffff:127.x.y.z). */
export function isLoopbackAddress(ip: string): boolean {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.parse(stripBrackets(ip));
  } catch {
    return false;
  }
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() === 'loopback';
    return v6.range() === 'loopback';
  }
  return address.range() === 'loopback';
}

/**
 * The create/edit-time check of what the host resolves to: refused when ANY address is forbidden,
 * since a resolver may hand out either. A name that does not resolve (or a resolver failure) is
 * accepted here: the sender checks the address again when it connects.
 */
export async function checkResolvedDestination(
  url: URL,
  resolver: HostResolver,
  options: DestinationOptions,
): Promise<string | null> {
  const host = hostOf(url);
  if (ipaddr.isValid(host)) return addressVerdict(host, host, options);
  if (options.allowInsecureLocalhost && isLoopbackName(host)) return null;
  let addresses: string[];
  try {
    addresses = await resolver.resolve(host);
  } catch {
    return null;
  }
  for (const address of addresses) {
    const verdict = addressVerdict(address, host, options);
    if (verdict !== null) return verdict;
  }
  return null;
}

/** Why a host name must not be a destination, or null; the name is lower case without a trailing dot. */
export function forbiddenHostnameReason(host: string): string | null {
  if (FORBIDDEN_NAMES.has(host)) return 'an internal or cloud metadata name';
  for (const suffix of FORBIDDEN_SUFFIXES) {
    if (host === suffix || host.endsWith(`.${suffix}`)) return `a private name (.${suffix})`;
  }
  // A single-label name is completed by the resolver's search domains: it names an internal host.
  if (!host.includes('.')) return 'not a fully qualified domain name';
  return null;
}

function addressVerdict(address: string, host: string, options: DestinationOptions): string | null {
  if (options.allowInsecureLocalhost && isLoopbackAddress(address)) return null;
  const reason = forbiddenAddressReason(address);
  if (reason === null) return null;
  return address === host ? `host ${host} is ${reason}` : `host ${host} resolves to ${address}, ${reason}`;
}

function ipv4Reason(address: ipaddr.IPv4): string | null {
  const range = address.range();
  return range === 'unicast' ? null : `${describeRange(range)} address`;
}

function ipv6Reason(address: ipaddr.IPv6): string | null {
  const range = address.range();
  if (range === 'ipv4Mapped') {
    const embedded = ipv4Reason(address.toIPv4Address());
    return embedded === null ? null : `the IPv4-mapped form of ${embedded}`;
  }
  const embedded = embeddedIPv4(address, range);
  if (embedded !== null) {
    const embeddedReason = ipv4Reason(embedded);
    if (embeddedReason !== null) return `${describeRange(range)} address embedding ${embeddedReason}`;
  }
  if (range !== 'unicast') return `${describeRange(range)} address`;
  // Only 2000::/3 is allocated as global unicast; the rest (e.g. IPv4-compatible ::a.b.c.d) is reserved.
  if (!address.match(ipaddr.IPv6.parse('2000::'), 3)) return 'a reserved IPv6 address';
  return null;
}

/** The IPv4 address carried inside translation and tunnelling forms. */
function embeddedIPv4(address: ipaddr.IPv6, range: string): ipaddr.IPv4 | null {
  const parts = address.parts;
  const fromWords = (high: number, low: number) =>
    new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  switch (range) {
    case 'rfc6145':
    case 'rfc6052':
      return fromWords(parts[6] ?? 0, parts[7] ?? 0);
    case '6to4':
      return fromWords(parts[1] ?? 0, parts[2] ?? 0);
    case 'teredo':
      // The client's address is stored inverted in the last 32 bits (RFC 4380).
      return fromWords(~(parts[6] ?? 0) & 0xffff, ~(parts[7] ?? 0) & 0xffff);
    default:
      return null;
  }
}

const RANGE_NAMES: Record<string, string> = {
  unspecified: 'an unspecified',
  broadcast: 'a broadcast',
  multicast: 'a multicast',
  linkLocal: 'a link-local',
  loopback: 'a loopback',
  carrierGradeNat: 'a carrier-grade NAT (shared)',
  private: 'a private',
  reserved: 'a reserved',
  as112: 'an AS112',
  amt: 'an AMT',
  benchmarking: 'a benchmarking',
  uniqueLocal: 'a unique-local (private)',
  deprecatedSiteLocal: 'a site-local',
  discard: 'a discard-only',
  rfc6145: 'an IPv4-translated',
  rfc6052: 'a NAT64',
  '6to4': 'a 6to4',
  teredo: 'a Teredo',
  as112v6: 'an AS112',
  deprecatedOrchid: 'an ORCHID',
  orchid2: 'an ORCHIDv2',
  droneRemoteIdProtocolEntityTags: 'a DRIP',
  segmentRouting: 'a segment-routing',
};

function describeRange(range: string): string {
  return RANGE_NAMES[range] ?? `a non-public (${range})`;
}

function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/** The URL's host in lower case, without IPv6 brackets or trailing dots (`localhost.` is localhost). */
function hostOf(url: URL): string {
  return stripBrackets(url.hostname.toLowerCase()).replace(/\.+$/, '');
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function hasSpaceOrControl(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code <= 0x20 || code === 0x7f) return true;
  }
  return false;
}
