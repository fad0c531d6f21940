/**
 * A webhook endpoint on 127.0.0.1 for delivery tests: records every request and answers with
 * scripted responses (200 once the script runs out).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createHttpSender } from '#adapters/http-sender';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoopbackReceiver {
  url: string;
  received: ReceivedRequest[];
  /** Responses for the next requests, in order. */
  respondWith(...responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

/** A receiver not yet listening; `url` is known once `listen` has resolved. */
function createReceiver(): { receiver: LoopbackReceiver; listen(): Promise<void> } {
  const received: ReceivedRequest[] = [];
  const script: ScriptedResponse[] = [];
  let url: string | undefined;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const next = script.shift() ?? { status: 200, body: 'ok' };
      response.writeHead(next.status, next.headers);
      response.end(next.body ?? '');
    });
  });
  return {
    receiver: {
      get url() {
        if (url === undefined) throw new Error('the loopback receiver is not listening yet');
        return url;
      },
      received,
      respondWith: (...responses) => script.push(...responses),
      close: () =>
        new Promise<void>((resolve, reject) => {
          server.closeAllConnections();
          server.close((error) => (error ? reject(error) : resolve()));
        }),
    },
    async listen() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    },
  };
}

/** Starts a receiver on an ephemeral loopback port. */
export async function startReceiver(): Promise<LoopbackReceiver> {
  const { receiver, listen } = createReceiver();
  await listen();
  return receiver;
}

/** The sender of `createHttpSender`: a DeliverySender that can be closed. */
export type HttpSender = ReturnType<typeof createHttpSender>;

/** An HTTP sender for tests whose destinations are on loopback: every name resolves to 127.0.0.1, `http://` allowed. */
export function loopbackSender(): HttpSender {
  return createHttpSender({
    resolver: { resolve: async () => ['127.0.0.1'] },
    allowInsecureLocalhost: true,
  });
}

/**
 * The set-up of a delivery test file: a LoopbackReceiver listening before the suite (what it
 * received cleared after each test when `clearAfterEach`) and a loopbackSender, both closed after
 * the suite. Call at the top level of a test file (it registers the hooks); the receiver's `url`
 * is readable from the first test on.
 */
export function loopbackDeliverySuite(options: { clearAfterEach?: boolean } = {}): {
  sender: HttpSender;
  receiver: LoopbackReceiver;
} {
  const sender = loopbackSender();
  const { receiver, listen } = createReceiver();
  beforeAll(listen);
  if (options.clearAfterEach) {
    afterEach(() => {
      receiver.received.length = 0;
    });
  }
  afterAll(async () => {
    await receiver.close();
    await sender.close();
  });
  return { sender, receiver };
}
