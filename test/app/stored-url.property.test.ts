/**
 * What is stored as a webhook's URL names one host to every reader (the WHATWG parser, undici, an
 * RFC 3986 reader such as a log viewer or another tool), and one the HTTP client can reach: URLs
 * built from the pieces parsers disagree on (backslashes, empty or odd userinfo, numeric IPv4 forms,
 * upper case, port 0) are either refused with a 400 naming `url` or stored normalised.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWebhook } from '#app/webhook-service';
import { ValidationError } from '#domain/errors';
import { createTestServices } from '../support/in-memory-ports';

// undici's own URL reading, the one its request() applies to the URL it is given.
const { parseURL } = createRequire(import.meta.url)('undici/lib/core/util.js') as {
  parseURL(url: string): URL;
};

/** The host an RFC 3986 reader takes from `url`: the authority, without userinfo and port. */
function rfc3986Host(url: string): string | undefined {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1];
  if (authority === undefined) return undefined;
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
}

// Every accepted URL becomes a webhook of one tenant: more than the default per-tenant limit.
const services = createTestServices({
  config: { ALLOW_INSECURE_LOCALHOST: true, MAX_WEBHOOKS_PER_TENANT: 10_000 },
});

const urls = fc
  .record({
    scheme: fc.constantFrom('http', 'https', 'HTTPS'),
    userinfo: fc.constantFrom('', '@', ':@', 'user@', '127.0.0.1:3105\\@'),
    host: fc.constantFrom('127.0.0.1', 'localhost', 'hooks.test', 'HOOKS.Test', '0x7f.1', '127.1', '[::1]'),
    port: fc.constantFrom('', ':0', ':00', ':1', ':443', ':3105', ':65535', ':65536'),
    separator: fc.constantFrom('/', '\\', '\\@evil.test/', '/@evil.test/', '//', '?', ''),
    path: fc.stringMatching(/^[a-zA-Z0-9@\\/._~%-]{0,12}$/),
  })
  .map(
    ({ scheme, userinfo, host, port, separator, path }) =>
      `${scheme}://${userinfo}${host}${port}${separator}${path}`,
  );

describe('stored webhook URLs', () => {
  it('are refused (naming url) or stored so that every reader finds the same host and a port the client can use', async () => {
    await fc.assert(
      fc.asyncProperty(urls, async (url) => {
        let stored: string;
        try {
          stored = (
            await createWebhook(services, 'tenant-a', { name: 'p', url, events: ['message.created'] })
          ).url;
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).details?.map((detail) => detail.field)).toContain('url');
          return;
        }
        const whatwg = new URL(stored);
        expect(stored).toBe(whatwg.href);
        expect(parseURL(stored).host).toBe(whatwg.host);
        expect(rfc3986Host(stored)).toBe(whatwg.hostname);
        // Nothing in the authority that readers disagree on.
        expect(/^[a-z]+:\/\/[^/?#]*/i.exec(stored)?.[0]).not.toMatch(/[\\@]/);
        expect(whatwg.username + whatwg.password).toBe('');
        expect(whatwg.port).not.toBe('0');
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['http://127.0.0.1:3105\\@evil.test/h', 'http://127.0.0.1:3105/@evil.test/h'],
    ['http://@localhost/h', 'http://localhost/h'],
    ['http://0x7f.1:3105/h', 'http://127.0.0.1:3105/h'],
  ])('stores %s as %s', async (url, expected) => {
    const created = await createWebhook(services, 'tenant-a', {
      name: 'n',
      url,
      events: ['message.created'],
    });
    expect(created.url).toBe(expected);
  });

  it.each(['http://127.0.0.1:0/p', 'https://hooks.test:0/p'])(
    'refuses %s: no connection can be made to port 0',
    async (url) => {
      await expect(
        createWebhook(services, 'tenant-a', { name: 'n', url, events: ['message.created'] }),
      ).rejects.toThrow(/port 0/);
    },
  );
});
