import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  checkDestinationUrl,
  checkResolvedDestination,
  forbiddenAddressReason,
  isLoopbackAddress,
} from '#domain/destination-policy';
import type { HostResolver } from '#domain/ports';

/** A test double of the resolver port: names map to fixed addresses, nothing touches DNS. */
function fakeResolver(records: Record<string, string[] | Error>): HostResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async resolve(hostname) {
      asked.push(hostname);
      const answer = records[hostname];
      if (answer === undefined)
        throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

const resolver = fakeResolver({
  'rebind.test': ['10.0.0.1'],
  'mixed.test': ['93.184.216.34', '192.168.1.20'],
  'metadata-alias.test': ['169.254.169.254'],
  'v6private.test': ['fd12:3456:789a::1'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'nat64.test': ['64:ff9b::a00:1'],
  'cgnat.test': ['100.64.0.1'],
  'zero.test': ['0.0.0.0'],
  'loopback.test': ['127.0.0.1'],
  'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'broken.test': Object.assign(new Error('SERVFAIL'), { code: 'ESERVFAIL' }),
});

const strict = { allowInsecureLocalhost: false };
const relaxed = { allowInsecureLocalhost: true };

/** Every vector must be refused, either by the URL rules or by what its host resolves to. */
const SSRF_VECTORS: string[] = [
  // IPv4 loopback in every encoding the WHATWG parser accepts
  'https://127.0.0.1/',
  'https://127.1/',
  'https://127.0.1/',
  'https://2130706433/',
  'https://0x7f000001/',
  'https://0x7f.1/',
  'https://0177.0.0.1/',
  'https://017700000001/',
  'https://0x7f.0x0.0x0.0x1/',
  'https://127.0.0.1./',
  'https://127.255.255.254:8443/hook',
  // private, CGNAT, link-local, metadata
  'https://10.0.0.1/',
  'https://167772161/',
  'https://172.16.5.4/',
  'https://192.168.0.1/',
  'https://100.64.0.1/',
  'https://100.100.100.200/',
  'https://169.254.169.254/latest/meta-data/',
  'https://169.254.170.2/v2/credentials',
  'https://0xa9fea9fe/',
  // unspecified, broadcast, multicast, reserved
  'https://0.0.0.0/',
  'https://0/',
  'https://255.255.255.255/',
  'https://224.0.0.1/',
  'https://240.0.0.1/',
  'https://192.0.2.10/',
  'https://198.18.0.1/',
  // IPv6 literals
  'https://[::1]/',
  'https://[::]/',
  'https://[0:0:0:0:0:0:0:1]/',
  'https://[fe80::1]/',
  'https://[fc00::1]/',
  'https://[fd00:ec2::254]/',
  'https://[ff02::1]/',
  'https://[fec0::1]/',
  'https://[::ffff:10.0.0.1]/',
  'https://[::ffff:a00:1]/',
  'https://[::ffff:127.0.0.1]/',
  'https://[::ffff:169.254.169.254]/',
  'https://[::10.0.0.1]/',
  'https://[::ffff:0:a00:1]/',
  'https://[64:ff9b::a00:1]/',
  'https://[64:ff9b::7f00:1]/',
  'https://[64:ff9b:1::a00:1]/',
  'https://[2002:a00:1::]/',
  'https://[2002:7f00:1::1]/',
  'https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/',
  'https://[2001:db8::1]/',
  'https://[100::1]/',
  // names
  'https://localhost/',
  'https://LOCALHOST/',
  'https://localhost./',
  'https://api.localhost/',
  'https://metadata.google.internal/computeMetadata/v1/',
  'https://METADATA.GOOGLE.INTERNAL./',
  'https://metadata/',
  'https://instance-data/',
  'https://instance-data.ec2.internal/',
  'https://printer.local/',
  'https://db.corp.internal/',
  'https://router.home.arpa/',
  'https://intranet/',
  // names that resolve somewhere forbidden (DNS rebinding at create time)
  'https://rebind.test/',
  'https://mixed.test/',
  'https://metadata-alias.test/',
  'https://v6private.test/',
  'https://mapped.test/',
  'https://nat64.test/',
  'https://cgnat.test/',
  'https://zero.test/',
  'https://loopback.test/',
  // userinfo and scheme tricks
  'https://good.com@127.0.0.1/',
  'https://user:pass@hooks.example.com/',
  'https://hooks.example.com#@127.0.0.1/',
  'http://hooks.example.com/',
  'http://127.0.0.1/',
  'ftp://hooks.example.com/',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_INFO',
  'javascript:alert(1)',
  '//hooks.example.com/',
  '/relative/path',
  'https://hooks.example.com\n.evil/',
  ` https://hooks.example.com/`,
  `https://hooks.example.com/${'a'.repeat(2048)}`,
];

async function refusal(raw: string, options = strict): Promise<string | null> {
  const textual = checkDestinationUrl(raw, options);
  if (textual !== null) return textual;
  return checkResolvedDestination(new URL(raw), resolver, options);
}

describe('SSRF corpus', () => {
  it('refuses every vector', async () => {
    const accepted: string[] = [];
    for (const vector of SSRF_VECTORS) {
      if ((await refusal(vector)) === null) accepted.push(vector);
    }
    console.log(
      `SSRF vectors: ${SSRF_VECTORS.length} tried, ${SSRF_VECTORS.length - accepted.length} refused`,
    );
    expect(SSRF_VECTORS.length).toBeGreaterThanOrEqual(45);
    expect(accepted).toEqual([]);
  });

  it('accepts public https destinations (classified only, never contacted)', async () => {
    for (const url of [
      'https://hooks.example.com/path',
      'https://hooks.example.com:8443/chat/events?source=webhooks',
      'https://93.184.216.34/',
      'https://[2606:2800:220:1:248:1893:25c8:1946]/hook',
      'https://unresolvable.example.org/hook',
      'https://broken.test/hook',
    ]) {
      expect({ url, reason: await refusal(url) }).toEqual({ url, reason: null });
    }
  });
});

describe('checkDestinationUrl', () => {
  it.each([
    ['not-a-url', 'absolute URL'],
    ['http://hooks.example.com/', 'https://'],
    ['https://a:b@hooks.example.com/', 'username or password'],
    ['https://hooks.example.com/#frag', 'fragment'],
    ['https://hooks.example.com/#', 'fragment'],
    [`https://hooks.example.com/${'x'.repeat(2030)}`, '2048'],
    ['https://10.1.2.3/', 'private'],
    ['https://0x7f.1/', 'loopback'],
    ['https://[::ffff:a00:1]/', 'IPv4-mapped'],
    ['https://metadata.google.internal/', 'metadata'],
    ['https://printer.local/', '.local'],
    ['https://169.254.169.254/', 'metadata'],
  ])('names the problem in %s', (url, fragment) => {
    expect(checkDestinationUrl(url, strict)).toContain(fragment);
  });

  it('allows http and loopback only for loopback hosts when ALLOW_INSECURE_LOCALHOST is on', () => {
    for (const url of [
      'http://127.0.0.1:4000/hook',
      'http://127.9.9.9/',
      'http://[::1]:8080/',
      'http://localhost:3000/',
      'https://localhost/',
    ]) {
      expect({ url, reason: checkDestinationUrl(url, relaxed) }).toEqual({ url, reason: null });
      // The refusal names the switch that allows it, so a developer is not left guessing.
      expect(checkDestinationUrl(url, strict)).toContain('ALLOW_INSECURE_LOCALHOST=true');
    }
    expect(checkDestinationUrl('http://127.0.0.1:4000/hook', strict)).toMatch(/^must use https:\/\//);
    for (const url of ['http://hooks.example.com/', 'https://10.0.0.1/', 'ftp://127.0.0.1/']) {
      expect(checkDestinationUrl(url, strict)).not.toContain('ALLOW_INSECURE_LOCALHOST');
    }
    for (const url of [
      'http://hooks.example.com/',
      'http://10.0.0.1/',
      'https://10.0.0.1/',
      'http://[fe80::1]/',
    ]) {
      expect(checkDestinationUrl(url, relaxed)).not.toBeNull();
    }
  });
});

describe('forbiddenAddressReason', () => {
  it.each([
    ['10.0.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.10.10', 'private'],
    ['127.0.0.1', 'loopback'],
    ['169.254.1.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['224.0.0.251', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['198.51.100.7', 'reserved'],
    ['192.31.196.1', 'AS112'],
    ['192.52.193.1', 'AMT'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::abcd', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['ff05::2', 'multicast'],
    ['::ffff:10.0.0.1', 'IPv4-mapped'],
    ['::ffff:0:10.0.0.1', 'IPv4-translated'],
    ['64:ff9b::10.0.0.1', 'NAT64'],
    ['64:ff9b::8.8.8.8', 'NAT64'],
    ['64:ff9b:1::1', 'NAT64'],
    ['2002:c0a8:101::1', '6to4'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001:10::1', 'ORCHID'],
    ['2001:20::1', 'ORCHIDv2'],
    ['100::1', 'discard'],
    ['2001:2::1', 'benchmarking'],
    ['2001:db8::1', 'reserved'],
    ['::a00:1', 'reserved'],
    ['not-an-ip', 'valid IP'],
  ])('refuses %s as %s', (ip, fragment) => {
    expect(forbiddenAddressReason(ip)).toContain(fragment);
  });

  it('names the embedded IPv4 range of translation forms', () => {
    expect(forbiddenAddressReason('2002:0a00:0001::')).toMatch(/6to4.*private/);
    expect(forbiddenAddressReason('64:ff9b::7f00:1')).toMatch(/NAT64.*loopback/);
  });

  it.each(['93.184.216.34', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:93.184.216.34'])(
    'accepts public %s',
    (ip) => {
      expect(forbiddenAddressReason(ip)).toBeNull();
    },
  );
});

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.200.1.1', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['::', false],
    ['::ffff:10.0.0.1', false],
    ['localhost', false],
  ])('%s → %s', (ip, expected) => {
    expect(isLoopbackAddress(ip)).toBe(expected);
  });
});

describe('checkResolvedDestination', () => {
  it('refuses when any resolved address is forbidden and names the address', async () => {
    const reason = await checkResolvedDestination(new URL('https://mixed.test/'), resolver, strict);
    expect(reason).toContain('192.168.1.20');
    expect(reason).toContain('mixed.test');
  });

  it('accepts names that do not resolve or whose resolver fails; the connect-time check covers them', async () => {
    expect(
      await checkResolvedDestination(new URL('https://nowhere.example.net/'), resolver, strict),
    ).toBeNull();
    expect(await checkResolvedDestination(new URL('https://broken.test/'), resolver, strict)).toBeNull();
  });

  it('lets names resolving to loopback through only with ALLOW_INSECURE_LOCALHOST', async () => {
    const url = new URL('https://loopback.test/');
    expect(await checkResolvedDestination(url, resolver, strict)).toContain('loopback');
    expect(await checkResolvedDestination(url, resolver, relaxed)).toBeNull();
    expect(await checkResolvedDestination(new URL('https://rebind.test/'), resolver, relaxed)).toContain(
      'private',
    );
  });

  it('judges IP literals without asking the resolver', async () => {
    const local = fakeResolver({});
    expect(await checkResolvedDestination(new URL('https://[::ffff:a00:1]/'), local, strict)).toContain(
      'private',
    );
    expect(await checkResolvedDestination(new URL('https://93.184.216.34/'), local, strict)).toBeNull();
    expect(local.asked).toEqual([]);
  });

  it('resolves the host without its trailing dot', async () => {
    const local = fakeResolver({ 'rebind.test': ['10.0.0.1'] });
    expect(await checkResolvedDestination(new URL('https://rebind.test./'), local, strict)).toContain(
      'private',
    );
    expect(local.asked).toEqual(['rebind.test']);
  });
});

describe('properties', () => {
  const octets = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
  const isPublic = (parts: number[]) => new ipaddr.IPv4(parts).range() === 'unicast';

  it('judges any IPv4 the same whatever its URL encoding (dotted, integer, hex, IPv4-mapped)', () => {
    fc.assert(
      fc.property(octets, (parts) => {
        const dotted = parts.join('.');
        const integer = parts.reduce((value, octet) => value * 256 + octet, 0);
        const hex = `0x${integer.toString(16)}`;
        const [a, b, c, d] = parts as [number, number, number, number];
        const mapped = `[::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}]`;
        const expected =
          isPublic(parts) &&
          !['169.254.169.254', '169.254.170.2', '100.100.100.200', '192.0.0.192'].includes(dotted);
        for (const host of [dotted, String(integer), hex, mapped]) {
          expect({ host, accepted: checkDestinationUrl(`https://${host}/`, strict) === null }).toEqual({
            host,
            accepted: expected,
          });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses every address in the private, loopback, link-local and CGNAT ranges', () => {
    const inRange = (base: [number, number, number, number], prefix: number) =>
      fc.nat(2 ** (32 - prefix) - 1).map((offset) => {
        const value = ((base[0] << 24) >>> 0) + (base[1] << 16) + (base[2] << 8) + base[3] + offset;
        return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
      });
    const forbidden = fc.oneof(
      inRange([10, 0, 0, 0], 8),
      inRange([172, 16, 0, 0], 12),
      inRange([192, 168, 0, 0], 16),
      inRange([127, 0, 0, 0], 8),
      inRange([169, 254, 0, 0], 16),
      inRange([100, 64, 0, 0], 10),
      inRange([0, 0, 0, 0], 8),
      inRange([224, 0, 0, 0], 4),
    );
    fc.assert(
      fc.property(forbidden, (ip) => {
        expect(forbiddenAddressReason(ip)).not.toBeNull();
        expect(forbiddenAddressReason(`::ffff:${ip}`)).not.toBeNull();
        expect(forbiddenAddressReason(`64:ff9b::${ip}`)).not.toBeNull();
      }),
      { numRuns: 500 },
    );
  });
});
