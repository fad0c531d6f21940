import { once } from 'node:events';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bodyBytes, createHttpSender } from '#adapters/http-sender';
import { buildDeliveryRequest, DeliveryCredentials } from '#domain/delivery-request';
import type { DeliverySender } from '#domain/delivery-sender';
import type { HostResolver } from '#domain/ports';
import { generateSigningSecret } from '#domain/signing';
import { createSelfSignedCertificate, type TestCertificate } from '../support/tls';

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

interface Receiver {
  port: number;
  hits: number;
  connections: number;
  server: Server;
}

const servers: Server[] = [];
const senders: { close(): Promise<void> }[] = [];
let trusted: TestCertificate;
let untrusted: TestCertificate;

beforeAll(() => {
  trusted = createSelfSignedCertificate(['hooks.test', 'rebind.test', 'mixed.test']);
  untrusted = createSelfSignedCertificate(['hooks.test']);
});

afterEach(async () => {
  await Promise.all(senders.splice(0).map((sender) => sender.close()));
  await Promise.all(
    servers.splice(0).map(async (server) => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    }),
  );
});

afterAll(() => {
  expect(servers).toHaveLength(0);
});

/** A receiver on 127.0.0.1 that reads the whole body before calling `handler`. */
async function startReceiver(handler: Handler, certificate?: TestCertificate): Promise<Receiver> {
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    receiver.hits += 1;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handler(request, response, Buffer.concat(chunks).toString('utf8')));
  };
  const server = certificate ? createHttpsServer(certificate, listener) : createHttpServer(listener);
  const receiver: Receiver = { port: 0, hits: 0, connections: 0, server };
  server.on(certificate ? 'secureConnection' : 'connection', () => {
    receiver.connections += 1;
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.port = (server.address() as AddressInfo).port;
  return receiver;
}

/** Test names resolve where the test says; anything else does not resolve at all. */
function fakeResolver(names: Record<string, string[]>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async resolve(hostname) {
      calls.push(hostname);
      const addresses = names[hostname];
      if (!addresses)
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return addresses;
    },
  };
}

const defaultResolver = fakeResolver({
  'hooks.test': ['127.0.0.1'],
  'other.test': ['127.0.0.1'],
  'rebind.test': ['10.0.0.1'],
  'mixed.test': ['127.0.0.1', '10.0.0.1'],
});

function makeSender(
  overrides: { allowInsecureLocalhost?: boolean; resolver?: HostResolver } = {},
): DeliverySender {
  const sender = createHttpSender({
    resolver: overrides.resolver ?? defaultResolver,
    allowInsecureLocalhost: overrides.allowInsecureLocalhost ?? true,
    tls: { ca: trusted.cert },
  });
  senders.push(sender);
  return sender;
}

function post(url: string, body = '{"hello":"world"}') {
  return { url, headers: { 'content-type': 'application/json' }, body };
}

const TIMEOUT = { timeoutMs: 5_000 };

describe('createHttpSender: outcomes', () => {
  it('reports a 2xx as success with status, duration and snippet', async () => {
    let received = '';
    const receiver = await startReceiver((_request, response, body) => {
      received = body;
      response.writeHead(200).end('thanks');
    });
    const outcome = await makeSender().send(post(`http://127.0.0.1:${receiver.port}/hook`), TIMEOUT);
    expect(outcome).toMatchObject({ isSuccess: true, statusCode: 200, responseSnippet: 'thanks' });
    expect(outcome.error).toBeUndefined();
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
    expect(received).toBe('{"hello":"world"}');
  });

  it('reports a 500 as a failure with the response snippet', async () => {
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(500).end('{"error":"database down"}');
    });
    const outcome = await makeSender().send(post(`http://127.0.0.1:${receiver.port}/`), TIMEOUT);
    expect(outcome).toMatchObject({
      isSuccess: false,
      statusCode: 500,
      error: 'endpoint answered 500',
      responseSnippet: '{"error":"database down"}',
    });
    expect(outcome.retryAfterSeconds).toBeUndefined();
  });

  it('keeps only 1 KiB of a large streamed body and stops reading it', async () => {
    const total = 32 * 1024 * 1024;
    let isBodyFinished = false;
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.on('finish', () => {
        isBodyFinished = true;
      });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const chunks = (function* () {
        for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
      })();
      // pipeline honours backpressure and stops when the client hangs up.
      pipeline(Readable.from(chunks), response).catch(() => {});
    });
    const outcome = await makeSender().send(post(`http://127.0.0.1:${receiver.port}/`), TIMEOUT);
    expect(outcome).toMatchObject({ isSuccess: false, statusCode: 502 });
    expect(outcome.responseSnippet).toBe('x'.repeat(1024));
    expect(isBodyFinished).toBe(false);
  });

  it('never follows a redirect and reports where it pointed', async () => {
    const target = await startReceiver((_request, response) => response.writeHead(200).end());
    const location = `http://127.0.0.1:${target.port}/elsewhere`;
    const redirector = await startReceiver((_request, response) => {
      response.writeHead(307, { location }).end();
    });
    const outcome = await makeSender().send(post(`http://127.0.0.1:${redirector.port}/`), TIMEOUT);
    expect(outcome).toMatchObject({ isSuccess: false, statusCode: 307 });
    expect(outcome.error).toContain('redirect');
    expect(outcome.error).toContain(location);
    expect(redirector.hits).toBe(1);
    expect(target.hits).toBe(0);
  });

  it('fails an attempt whose response does not come within the timeout', async () => {
    const receiver = await startReceiver(() => {
      // Never answers.
    });
    const outcome = await makeSender().send(post(`http://127.0.0.1:${receiver.port}/`), { timeoutMs: 300 });
    expect(outcome).toEqual({
      isSuccess: false,
      error: 'timeout after 300 ms',
      durationMs: expect.any(Number),
    });
    expect(receiver.hits).toBe(1);
  });

  it('ends an attempt whose body stalls at the timeout, judged by the status that did arrive', async () => {
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('partial');
      // The rest of the body never comes.
    });
    const outcome = await makeSender().send(post(`http://127.0.0.1:${receiver.port}/`), { timeoutMs: 300 });
    expect(outcome).toMatchObject({ isSuccess: true, statusCode: 200, responseSnippet: 'partial' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a refused connection', async () => {
    const closed = await startReceiver(() => {});
    const { port } = closed;
    servers.splice(servers.indexOf(closed.server), 1);
    closed.server.close();
    await once(closed.server, 'close');
    const outcome = await makeSender().send(post(`http://127.0.0.1:${port}/`), TIMEOUT);
    expect(outcome).toMatchObject({ isSuccess: false, error: 'connection refused' });
    expect(outcome.statusCode).toBeUndefined();
  });

  it('reports a connection the endpoint resets', async () => {
    const receiver = await startReceiver((request) => request.socket.destroy());
    const outcome = await makeSender().send(post(`http://127.0.0.1:${receiver.port}/`), TIMEOUT);
    expect(outcome.isSuccess).toBe(false);
    expect(outcome.error).toMatch(/^connection reset by the endpoint/);
  });

  it.each([
    [429, '120', 120],
    [503, 'in-date', 90],
    [500, '120', undefined],
    [429, 'whenever', undefined],
  ])('reads Retry-After from a %i (%s) only when it is a 429 or 503', async (status, header, expected) => {
    const value = header === 'in-date' ? new Date(Date.now() + 90_000).toUTCString() : header;
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(status, { 'retry-after': value }).end();
    });
    const outcome = await makeSender().send(post(`http://127.0.0.1:${receiver.port}/`), TIMEOUT);
    expect(outcome).toMatchObject({ isSuccess: false, statusCode: status });
    if (expected === undefined) expect(outcome.retryAfterSeconds).toBeUndefined();
    // An HTTP-date has one-second resolution: allow the second it was rounded in.
    else expect(outcome.retryAfterSeconds).toBeGreaterThanOrEqual(expected - 1);
    if (expected !== undefined) expect(outcome.retryAfterSeconds).toBeLessThanOrEqual(expected);
  });

  it('reuses a kept-alive connection for the same origin', async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(204).end());
    const sender = makeSender();
    for (let index = 0; index < 5; index += 1) {
      expect((await sender.send(post(`http://127.0.0.1:${receiver.port}/`), TIMEOUT)).isSuccess).toBe(true);
    }
    expect(receiver.hits).toBe(5);
    // undici may open a second socket while the first finishes its response; never one per request.
    expect(receiver.connections).toBeLessThanOrEqual(2);
  });
});

describe('createHttpSender: TLS', () => {
  it('delivers over https to a name, checking the certificate against that name', async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end('ok'), trusted);
    const outcome = await makeSender().send(post(`https://hooks.test:${receiver.port}/`), TIMEOUT);
    expect(outcome).toMatchObject({ isSuccess: true, statusCode: 200 });
    expect(defaultResolver.calls).toContain('hooks.test');
  });

  it('fails on a certificate the sender does not trust', async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end(), untrusted);
    const outcome = await makeSender().send(post(`https://hooks.test:${receiver.port}/`), TIMEOUT);
    expect(outcome.isSuccess).toBe(false);
    expect(outcome.error).toMatch(/^TLS error: /);
    expect(receiver.hits).toBe(0);
  });

  it('fails when the certificate does not name the host, even though it names the address dialled', async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end(), trusted);
    const outcome = await makeSender().send(post(`https://other.test:${receiver.port}/`), TIMEOUT);
    expect(outcome.isSuccess).toBe(false);
    expect(outcome.error).toMatch(/^TLS error: .*other\.test/);
    expect(receiver.hits).toBe(0);
  });
});

describe('createHttpSender: SSRF defence at connect time', () => {
  it('refuses a name that resolves to a private address, without connecting', async () => {
    const resolver = fakeResolver({ 'rebind.test': ['10.0.0.1'] });
    const outcome = await makeSender({ resolver }).send(post('https://rebind.test/hook'), TIMEOUT);
    expect(outcome).toEqual({
      isSuccess: false,
      error: 'destination address 10.0.0.1 is not allowed (a private address)',
      durationMs: expect.any(Number),
    });
    expect(resolver.calls).toEqual(['rebind.test']);
  });

  it('refuses a name when any one of its addresses is forbidden, even if the first is allowed', async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end(), trusted);
    const outcome = await makeSender().send(post(`https://mixed.test:${receiver.port}/`), TIMEOUT);
    expect(outcome.error).toBe('destination address 10.0.0.1 is not allowed (a private address)');
    expect(receiver.hits).toBe(0);
    expect(receiver.connections).toBe(0);
  });

  it('checks the address again on every new connection, so a re-bound name is caught', async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end(), trusted);
    const answers = [['127.0.0.1'], ['10.0.0.1']];
    const resolver: HostResolver = { resolve: async () => answers.shift() ?? ['10.0.0.1'] };
    const sender = makeSender({ resolver });
    const first = await sender.send(post(`https://rebind.test:${receiver.port}/`), TIMEOUT);
    expect(first.isSuccess).toBe(true);
    // Drop the kept-alive connection so the next attempt has to connect (and resolve) again.
    receiver.server.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await sender.send(post(`https://rebind.test:${receiver.port}/`), TIMEOUT);
    expect(second.error).toBe('destination address 10.0.0.1 is not allowed (a private address)');
    expect(receiver.hits).toBe(1);
  });

  it.each(['https://10.0.0.1/hook', 'https://[::ffff:10.0.0.1]/hook', 'https://169.254.169.254/latest'])(
    'refuses a private IP literal (%s)',
    async (url) => {
      const resolver = fakeResolver({});
      const outcome = await makeSender({ resolver }).send(post(url), TIMEOUT);
      expect(outcome.isSuccess).toBe(false);
      expect(outcome.error).toMatch(/not allowed|is (an?|the) /);
      expect(resolver.calls).toEqual([]);
    },
  );

  it('refuses loopback when insecure localhost is not allowed', async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end(), trusted);
    const sender = makeSender({ allowInsecureLocalhost: false });
    const byName = await sender.send(post(`https://hooks.test:${receiver.port}/`), TIMEOUT);
    expect(byName.error).toBe('destination address 127.0.0.1 is not allowed (a loopback address)');
    const byAddress = await sender.send(post(`http://127.0.0.1:${receiver.port}/`), TIMEOUT);
    expect(byAddress.isSuccess).toBe(false);
    expect(byAddress.error).toContain('https://');
    expect(receiver.connections).toBe(0);
  });

  it('reports a name that does not resolve', async () => {
    const outcome = await makeSender().send(post('https://nowhere.test/'), TIMEOUT);
    expect(outcome.error).toBe('could not resolve host nowhere.test (ENOTFOUND)');
  });
});

describe('createHttpSender: what the endpoint receives', () => {
  it('carries a signature the standardwebhooks verifier accepts, plus auth and custom headers', async () => {
    const secret = generateSigningSecret();
    const seen: { verified?: unknown; headers?: IncomingMessage['headers'] } = {};
    const receiver = await startReceiver((request, response, body) => {
      seen.headers = request.headers;
      try {
        seen.verified = new Webhook(secret).verify(body, request.headers as Record<string, string>);
        response.writeHead(204).end();
      } catch (error) {
        seen.verified = error;
        response.writeHead(400).end('bad signature');
      }
    }, trusted);
    const event = {
      id: 'evt_123',
      type: 'message.created',
      timestamp: new Date().toISOString(),
      tenantId: 'tenant-a',
      brandId: null,
      data: { conversationId: 'c1', message: { id: 'm1', text: 'héllo' } },
    };
    const outbound = buildDeliveryRequest({
      event,
      webhook: {
        url: `https://hooks.test:${receiver.port}/chat`,
        headers: { 'X-Team': 'support' },
        signing: { enabled: true },
      },
      credentials: new DeliveryCredentials([secret], { type: 'bearer', token: 'tok_abc' }),
      attemptAt: new Date(),
      userAgent: 'chat-webhooks/0.1.0',
    });
    const outcome = await makeSender().send(outbound, TIMEOUT);
    expect(outcome).toMatchObject({ isSuccess: true, statusCode: 204 });
    expect(seen.verified).toEqual(event);
    expect(seen.headers).toMatchObject({
      authorization: 'Bearer tok_abc',
      'x-team': 'support',
      'user-agent': 'chat-webhooks/0.1.0',
      'content-type': 'application/json',
      'webhook-id': 'evt_123',
    });
  });

  it('sends at once: slow requests to one path of a host never queue a request to another path of it', async () => {
    // Webhooks of different tenants on one receiving host (docs/contract.md#isolation): each webhook's limit is the
    // delivery admission's, so the sender itself keeps no per-host queue.
    const host = await startReceiver((request, response) => {
      if (request.url === '/slow') return; // never answers: these stay in flight until the timeout
      response.writeHead(200).end();
    });
    const sender = makeSender();
    const stuck = Array.from({ length: 12 }, () =>
      sender.send(post(`http://127.0.0.1:${host.port}/slow`), { timeoutMs: 1_500 }),
    );
    const quick = await sender.send(post(`http://127.0.0.1:${host.port}/fast`), TIMEOUT);
    expect(quick.isSuccess).toBe(true);
    const stuckOutcomes = await Promise.all(stuck);
    // Every slow request was on the wire, none queued behind another.
    expect(host.hits).toBe(13);
    expect(stuckOutcomes.every((outcome) => outcome.error === 'timeout after 1500 ms')).toBe(true);
  });

  it('reports a request the HTTP client refuses to build as a sender failure, sending nothing', async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end());
    const sender = makeSender();
    const outcome = await sender.send(
      { ...post(`http://127.0.0.1:${receiver.port}/`), headers: { 'x-name': 'caf\u00e9 \u20ac' } },
      TIMEOUT,
    );
    expect(outcome).toMatchObject({ isSuccess: false, isSenderFailure: true });
    expect(outcome.error).toMatch(/^not sent: the request could not be built \(invalid request: .*x-name/);
    expect(receiver.hits).toBe(0);
  });

  it('reports a URL the destination rules refuse as a sender failure', async () => {
    const sender = makeSender({ allowInsecureLocalhost: false });
    const outcome = await sender.send(post('http://127.0.0.1:9/'), TIMEOUT);
    expect(outcome).toMatchObject({ isSuccess: false, isSenderFailure: true });
    expect(outcome.error).toMatch(/^not sent: destination URL /);
  });
});

describe('createHttpSender: error descriptions', () => {
  it('describes a response that is not HTTP without an "undefined:" prefix (an error without a code)', async () => {
    const { createServer: createTcpServer } = await import('node:net');
    const server = createTcpServer((socket) => {
      socket.once('data', () => socket.end('this is not HTTP at all\r\n\r\n'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const outcome = await makeSender().send(post(`http://127.0.0.1:${port}/`), TIMEOUT);
      expect(outcome.isSuccess).toBe(false);
      // undici's parser error has a `code` property that is undefined: it once read "undefined: …".
      expect(outcome.error).toMatch(/HTTP|protocol|parse/i);
      expect(outcome.error).not.toMatch(/undefined|null/);
    } finally {
      server.close();
    }
  });
});

describe('createHttpSender: answers that are not what they seem', () => {
  it('reports a 304 as an answer that is not 2xx, not as a redirect', async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(304).end());
    const outcome = await makeSender().send(post(`http://127.0.0.1:${receiver.port}/`), TIMEOUT);
    expect(outcome).toMatchObject({ isSuccess: false, statusCode: 304, error: 'endpoint answered 304' });
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('decodes a %s error body for the snippet', async (encoding, compress) => {
    const page = `<h1>502 Bad Gateway</h1>${'upstream timed out. '.repeat(10)}`;
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(502, { 'content-encoding': encoding }).end(compress(Buffer.from(page)));
    });
    const outcome = await makeSender().send(post(`http://127.0.0.1:${receiver.port}/`), TIMEOUT);
    expect(outcome).toMatchObject({ isSuccess: false, statusCode: 502, responseSnippet: page });
  });

  it('keeps a decoded snippet to 1 KiB however far the body would inflate', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 'a'));
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(500, { 'content-encoding': 'gzip' }).end(bomb);
    });
    const outcome = await makeSender().send(post(`http://127.0.0.1:${receiver.port}/`), TIMEOUT);
    expect(outcome.responseSnippet).toBe('a'.repeat(1024));
  });

  it('shows the bytes as they came when the encoding is not what the header says', async () => {
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(500, { 'content-encoding': 'gzip' }).end('plain text after all');
    });
    const outcome = await makeSender().send(post(`http://127.0.0.1:${receiver.port}/`), TIMEOUT);
    expect(outcome.responseSnippet).toBe('plain text after all');
  });
});

describe('bodyBytes: one copy of a body for every request that sends it (docs/contract.md#limits)', () => {
  it('hands the same bytes to each request of the same text, exactly its UTF-8, and keeps only the recent ones', () => {
    const body = JSON.stringify({ id: 'evt_1', data: { padding: 'é'.repeat(100_000) } });
    const first = bodyBytes(body);
    expect(first.equals(Buffer.from(body, 'utf8'))).toBe(true);
    // Another string with the same text (a message parsed again) shares it too.
    expect(bodyBytes(`${body.slice(0, 10)}${body.slice(10)}`)).toBe(first);
    for (let index = 0; index < 20; index++) bodyBytes(`other ${index}`);
    const again = bodyBytes(body);
    expect(again).not.toBe(first);
    expect(again.equals(first)).toBe(true);
  });
});
