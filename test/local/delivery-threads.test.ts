/**
 * Deliveries run in worker threads (LOCAL_DELIVERY_THREADS): the thread resolves names through the
 * runtime's resolver, trusts the runtime's CA, signs as the main thread would, sends its retries
 * through its own SQS client over the port, and its AWS requests reach the runtime's counter.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsRequestCounter } from '#adapters/aws-clients';
import { loadConfig } from '#config';
import type { HostResolver } from '#domain/ports';
import { startDeliveryThreads } from '#local/delivery-threads';
import {
  loopbackResolver,
  messageCreatedEntry,
  startTestService,
  type TestService,
} from '../support/local-service';
import { eventually, type ReceivedDelivery, verifyDelivery } from '../support/receiver';
import { createSelfSignedCertificate } from '../support/tls';

let service: TestService;
let receiver: Server;
let origin: string;
const hits: ReceivedDelivery[] = [];
let flakyHits = 0;
/** The runtime's resolver lives on the main thread; the names the threads asked it for land here. */
const lookups: string[] = [];
const recordingResolver: HostResolver = {
  resolve: (hostname) => {
    lookups.push(hostname);
    return loopbackResolver.resolve(hostname);
  },
};

beforeAll(async () => {
  const certificate = createSelfSignedCertificate(['localhost']);
  receiver = createServer(certificate, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      hits.push({
        path: request.url ?? '/',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      const isFirstFlakyHit = request.url === '/flaky' && ++flakyHits === 1;
      response.writeHead(isFirstFlakyHit ? 500 : 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  origin = `https://localhost:${(receiver.address() as AddressInfo).port}`;
  service = await startTestService(
    { RETRY_SCHEDULE: '1', LOCAL_DELIVERY_THREADS: '2' },
    { tlsCa: certificate.cert, resolver: recordingResolver },
  );
});

afterAll(async () => {
  await service?.stop();
  receiver?.closeAllConnections();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

describe('delivery threads', () => {
  it('deliver over TLS with the resolver and CA of the runtime, signed, and retry through their own SQS client', async () => {
    const webhooks = await Promise.all(
      ['/ok', '/flaky'].map(async (path) => {
        const created = await service.api('POST', '/v1/webhooks', {
          name: path,
          url: `${origin}${path}`,
          events: ['message.created'],
        });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        return created.body as { id: string; signingSecret: string };
      }),
    );
    const requestsBefore = service.counter.snapshot();
    lookups.length = 0;
    await service.publish([messageCreatedEntry('evt_thread', 1)]);

    const [ok, flaky] = await eventually(
      async () => {
        const okHit = hits.find((hit) => hit.path === '/ok');
        const flakyHit = hits.filter((hit) => hit.path === '/flaky')[1];
        return okHit && flakyHit ? ([okHit, flakyHit] as const) : undefined;
      },
      20_000,
      'both deliveries',
    );
    expect(verifyDelivery(ok, webhooks[0]!.signingSecret)).toMatchObject({
      id: 'evt_thread_1',
      type: 'message.created',
    });
    expect(verifyDelivery(flaky, webhooks[1]!.signingSecret)).toMatchObject({ id: 'evt_thread_1' });
    expect(flaky.headers['webhook-id']).toBe(
      hits.find((hit) => hit.path === '/flaky')?.headers['webhook-id'],
    );

    // The API checked the name at create time; these lookups are the threads' connect-time checks.
    expect(lookups).toContain('localhost');
    // The retry was a new SQS message sent by the thread's client, counted with the runtime's own calls.
    const retries =
      (service.counter.snapshot()['SQS.SendMessage'] ?? 0) - (requestsBefore['SQS.SendMessage'] ?? 0);
    expect(retries).toBe(1);
  });

  it('refuse to start when a thread cannot build the delivery services, naming the failure', async () => {
    const config = loadConfig({ DATA_DIR: service.dataDir });
    const starting = startDeliveryThreads({
      count: 1,
      // No DELIVERY_QUEUE_URL: the delivery function's composition throws, as a misconfigured Lambda would.
      settings: {
        config,
        dynamodbEndpoint: 'http://127.0.0.1:9',
        baseUrl: 'http://127.0.0.1:9',
        aws: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, region: 'us-east-1' },
        keyFile: `${service.dataDir}/keys/master.key`,
      },
      resolver: loopbackResolver,
      answerAwsCall: async () => ({ statusCode: 500, headers: {}, body: '{}' }),
      onError: () => {},
    });
    await expect(starting).rejects.toThrow(/could not start: DELIVERY_QUEUE_URL must be set/);
  });
});

describe('the delivery thread pool', () => {
  const standIn = new URL('../support/stand-in-delivery-thread.ts', import.meta.url);
  const batch = (body: string): SQSEvent => ({
    Records: [{ body, messageId: 'm1' } as SQSEvent['Records'][number]],
  });
  /** A pool of `count` stand-in threads on unreachable AWS endpoints; `hooks` hear what the pool reports. */
  const start = (
    count: number,
    hooks: { onError?: (error: unknown) => void; onStrayFailure?: (error: string) => void } = {},
  ) => {
    const counter = createAwsRequestCounter();
    return startDeliveryThreads({
      count,
      settings: {
        config: loadConfig({}),
        dynamodbEndpoint: 'http://127.0.0.1:9',
        baseUrl: 'http://127.0.0.1:9',
        aws: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, region: 'us-east-1' },
        keyFile: '/nonexistent',
      },
      threadModule: standIn,
      resolver: loopbackResolver,
      answerAwsCall: async () => ({ statusCode: 500, headers: {}, body: '{}' }),
      counter,
      onError: hooks.onError ?? (() => {}),
      ...(hooks.onStrayFailure ? { onStrayFailure: hooks.onStrayFailure } : {}),
    }).then((threads) => ({ threads, counter }));
  };

  it('spreads concurrent batches over the threads and adds their AWS requests to the counter', async () => {
    const { threads, counter } = await start(2);
    try {
      const responses = await Promise.all([threads.invoke(batch('slow')), threads.invoke(batch('slow'))]);
      const threadIds = new Set(responses.map((response) => (response as { threadId?: number }).threadId));
      expect(threadIds.size).toBe(2);
      expect(counter.snapshot()).toEqual({ 'SQS.SendMessage': 2 });
    } finally {
      await threads.close();
    }
  });

  it('keeps a thread running when a request nobody awaited fails, and says so as a warning', async () => {
    const errors: string[] = [];
    // The barrier: whichever comes first, the warning or the thread's death (Node's default).
    let settle!: (what: string) => void;
    const firstReport = new Promise<string>((resolve) => {
      settle = resolve;
    });
    const { threads } = await start(1, {
      onError: (error) => {
        errors.push(String(error));
        settle(`thread error: ${String(error)}`);
      },
      onStrayFailure: (error) => settle(`warning: ${error}`),
    });
    try {
      const first = (await threads.invoke(batch('stray-rejection'))) as { threadId?: number };
      expect(await firstReport).toMatch(/^warning: .*socket hang up/);
      const next = (await threads.invoke(batch('fine'))) as { threadId?: number };
      expect(next.threadId).toBe(first.threadId);
      expect(threads.readyCount()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await threads.close();
    }
  });

  it('fails the batch a dying thread had, says so, and replaces the thread', async () => {
    const errors: string[] = [];
    const { threads } = await start(1, { onError: (error) => errors.push(String(error)) });
    try {
      expect(threads.readyCount()).toBe(1);
      await expect(threads.invoke(batch('crash'))).rejects.toThrow(
        /exited \(code 3\) with this invocation in flight/,
      );
      expect(errors.join('\n')).toMatch(/starting another/);
      // What the local /health reads: no thread can deliver until the replacement is up.
      expect(threads.readyCount()).toBe(0);
      // Until the replacement is up, a batch is refused (its messages come back after their visibility timeout).
      const answered = await eventually(
        () => threads.invoke(batch('fine')).catch(() => undefined),
        10_000,
        'a replacement thread',
      );
      expect(answered).toMatchObject({ batchItemFailures: [] });
      expect(threads.readyCount()).toBe(1);
    } finally {
      await threads.close();
    }
  });
});
