/** A loopback HTTP receiver for deliveries: records every hit and answers as each test scripts it. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedDelivery {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export type Behaviour = (hit: ReceivedDelivery, response: ServerResponse, hitNumber: number) => void;

export interface Receiver {
  url(path: string): string;
  hits(path?: string): ReceivedDelivery[];
  /** Scripts how `path` answers (default: 200). */
  on(path: string, behaviour: Behaviour): void;
  /** Resolves when `predicate` holds, polling; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1:0. */
export async function startReceiver(): Promise<Receiver> {
  const hits: ReceivedDelivery[] = [];
  const behaviours = new Map<string, Behaviour>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const hit = {
        path: request.url ?? '/',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      hits.push(hit);
      const behaviour = behaviours.get(hit.path);
      const count = hits.filter((candidate) => candidate.path === hit.path).length;
      if (behaviour) behaviour(hit, response, count);
      else response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path) => `${base}${path}`,
    hits: (path) => (path === undefined ? [...hits] : hits.filter((hit) => hit.path === path)),
    on: (path, behaviour) => behaviours.set(path, behaviour),
    waitFor: async (predicate, timeoutMs = 20_000, what = 'condition') => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Verifies a delivery with the independent `standardwebhooks` verifier; returns the payload. */
export function verifyDelivery(hit: ReceivedDelivery, secret: string): Record<string, unknown> {
  return new Webhook(secret).verify(hit.body, {
    'webhook-id': String(hit.headers['webhook-id']),
    'webhook-timestamp': String(hit.headers['webhook-timestamp']),
    'webhook-signature': String(hit.headers['webhook-signature']),
  }) as Record<string, unknown>;
}

/** Polls until `check` resolves truthy. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
