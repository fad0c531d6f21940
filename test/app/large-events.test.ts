import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { SqsDeliveryQueue } from '#adapters/sqs-delivery-queue';
import { secretContext } from '#app/credentials';
import { recordDeadLetters } from '#app/dead-letters';
import { processDeliveryBatch } from '#app/deliver';
import { payloadDigest } from '#app/delivery/payload';
import { fanOutEvent } from '#app/fan-out';
import type { Config } from '#config';
import { deliveryBodyOf } from '#domain/delivery-request';
import { type DeliveryTask, LARGE_EVENT_BYTES, parseDeliveryTask } from '#domain/delivery-task';
import type { StoredWebhook } from '#domain/model';
import { generateSigningSecret } from '#domain/signing';
import { loopbackDeliverySuite } from '#test/app/loopback-receiver';
import { createTestServices, type TestServices, webhookFixture } from '../support/in-memory-ports';
import { sqsHarnessSuite } from '../support/sqs-harness';

/**
 * A large event travels by reference (docs/delivery.md#large-events): fan-out stores its body with the
 * id claim and its delivery messages carry the envelope without `data`, so one event to many webhooks
 * is a few small messages; the delivery step reads the body back and every receiver gets it exactly,
 * signed. Over the real SQS adapter and the local SQS service.
 */
const sqs = sqsHarnessSuite('large-events-');
const { sender, receiver } = loopbackDeliverySuite();

interface Queues {
  queueUrl: string;
  deadLetterQueueUrl: string;
}

async function queues(name: string): Promise<Queues> {
  const queueUrl = (await sqs.client.send(new CreateQueueCommand({ QueueName: `${name}-deliveries` })))
    .QueueUrl!;
  const deadLetterQueueUrl = (await sqs.client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` })))
    .QueueUrl!;
  return { queueUrl, deadLetterQueueUrl };
}

/** Receives every message ready in the queue (long-polling once), without deleting them. */
async function receiveAll(queueUrl: string): Promise<{ messageId: string; body: string; receipt: string }[]> {
  const received: { messageId: string; body: string; receipt: string }[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: received.length === 0 ? 5 : 0,
        VisibilityTimeout: 60,
      }),
    );
    if (Messages.length === 0) return received;
    received.push(
      ...Messages.map((message) => ({
        messageId: message.MessageId!,
        body: message.Body!,
        receipt: message.ReceiptHandle!,
      })),
    );
  }
}

/** Hands `messages` to `consumer`, deleting those it did not report as failed. */
async function consume(
  queueUrl: string,
  messages: { messageId: string; body: string; receipt: string }[],
  consumer: (
    records: { messageId: string; body: string }[],
  ) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>,
): Promise<void> {
  const { batchItemFailures } = await consumer(messages.map(({ messageId, body }) => ({ messageId, body })));
  const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
  for (const message of messages) {
    if (!failed.has(message.messageId)) {
      await sqs.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.receipt }));
    }
  }
}

function servicesFor(queue: Queues, config: Partial<Config> = {}) {
  const services = createTestServices({ sender, config: { WEBHOOKS_PER_DELIVERY_MESSAGE: 50, ...config } });
  // The standardwebhooks verifier checks webhook-timestamp against the real clock.
  services.clock.set(new Date());
  return {
    services,
    pipeline: { ...services, deliveryQueue: new SqsDeliveryQueue({ client: sqs.client, ...queue }) },
  };
}

/** Stores `count` webhooks of tenant-a, each signing with its own secret and told apart by its path. */
async function storeWebhooks(
  services: TestServices,
  count: number,
): Promise<{ webhook: StoredWebhook; secret: string }[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const secret = generateSigningSecret();
      const base = webhookFixture({
        id: `wh_${index}`,
        url: `${receiver.url}/hook-${index}`,
        events: ['message.created'],
      });
      const webhook: StoredWebhook = {
        ...base,
        signing: { enabled: true },
        signingSecrets: [
          {
            encryptedSecret: await services.cipher.encrypt(secret, secretContext(base)),
            createdAt: base.createdAt,
          },
        ],
      };
      await services.webhooks.create(webhook);
      return { webhook, secret };
    }),
  );
}

/** A message.created event whose body is ~`kib` KiB (text that JSON escapes and multi-byte characters). */
function largeDetail(id: string, kib: number) {
  const unit = 'héllo "quoted" \\ ✓ ';
  return {
    tenantId: 'tenant-a',
    brandId: null,
    id,
    data: {
      conversationId: 'c-1',
      message: {
        id: `m-${id}`,
        author: { type: 'customer', id: 'u1' },
        text: 'large event',
        createdAt: '2026-03-01T12:00:00.000Z',
      },
      padding: unit.repeat(Math.ceil((kib * 1024) / Buffer.byteLength(unit))),
    },
  };
}

function headersOf(index: number): Record<string, string> {
  const headers = receiver.received[index]?.headers ?? {};
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}

describe('a large event carried by reference', () => {
  it('goes to 60 webhooks as two small messages, and each receiver gets the exact body, validly signed', async () => {
    receiver.received.length = 0;
    const queue = await queues('large-fan-out');
    // `failures`: the claim carries the body for the references alone, not for the log.
    const { services, pipeline } = servicesFor(queue, { DELIVERY_LOG: 'failures' });
    const hooks = await storeWebhooks(services, 60);
    const detail = largeDetail('evt_large', 200);

    const time = '2026-03-01T12:00:00.000Z';
    expect(
      await fanOutEvent(pipeline, { source: 'chat.platform', detailType: 'message.created', detail, time }),
    ).toEqual({ deliveries: 60 });

    const messages = await receiveAll(queue.queueUrl);
    // Inline, a ~200 KB event leaves room for one webhook id per 256 KB message: 60 messages.
    expect(messages).toHaveLength(2);
    const tasks = messages.map((message) => parseDeliveryTask(message.body)!);
    expect(tasks.flatMap((task) => task.webhookIds ?? [task.webhookId]).sort()).toEqual(
      hooks.map(({ webhook }) => webhook.id).sort(),
    );
    for (const message of messages) expect(Buffer.byteLength(message.body)).toBeLessThan(LARGE_EVENT_BYTES);
    for (const task of tasks) {
      expect(task.event.data).toBeUndefined();
      expect(task.event).toMatchObject({ id: 'evt_large', type: 'message.created', tenantId: 'tenant-a' });
    }

    await consume(queue.queueUrl, messages, (records) => processDeliveryBatch(pipeline, records));

    expect(receiver.received).toHaveLength(60);
    const expected = JSON.stringify({
      id: 'evt_large',
      type: 'message.created',
      timestamp: time,
      tenantId: 'tenant-a',
      brandId: null,
      data: detail.data,
    });
    expect(Buffer.byteLength(expected)).toBeGreaterThan(200 * 1024);
    receiver.received.forEach((request, index) => {
      const hook = hooks.find(({ webhook }) => request.path.endsWith(`/hook-${webhook.id.slice(3)}`));
      expect(hook).toBeDefined();
      const { data, ...envelope } = JSON.parse(request.body);
      const { data: expectedData, ...expectedEnvelope } = JSON.parse(expected);
      expect(envelope).toEqual(expectedEnvelope);
      expect(data).toEqual(expectedData);
      // The body as stored with the claim, byte for byte: what the signature covers.
      const reference = tasks[0]?.event;
      expect(reference && 'payloadRef' in reference ? payloadDigest(request.body) : undefined).toBe(
        reference && 'payloadRef' in reference ? reference.payloadRef.sha256 : 'a reference',
      );
      expect(new Webhook(hook!.secret).verify(request.body, headersOf(index))).toEqual(
        JSON.parse(request.body),
      );
      expect(headersOf(index)['webhook-id']).toBe('evt_large');
    });
    expect(services.deliveryQueue.delayed).toHaveLength(0);
  });

  it('keeps a small event inline, as before', async () => {
    const queue = await queues('small-inline');
    const { services, pipeline } = servicesFor(queue);
    await storeWebhooks(services, 3);
    const detail = largeDetail('evt_small', 1);
    await fanOutEvent(pipeline, { source: 'chat.platform', detailType: 'message.created', detail });
    const messages = await receiveAll(queue.queueUrl);
    expect(messages).toHaveLength(1);
    expect(parseDeliveryTask(messages[0]!.body)?.event.data).toEqual(detail.data);
    await consume(queue.queueUrl, messages, async () => ({ batchItemFailures: [] }));
  });

  it('keeps a large event to a single webhook inline: one message either way, and no body written with the claim', async () => {
    const queue = await queues('large-lone');
    // `failures`: the log keeps no body at fan-out, so only references would need the claim to.
    const { services, pipeline } = servicesFor(queue, { DELIVERY_LOG: 'failures' });
    await storeWebhooks(services, 1);
    const detail = largeDetail('evt_large_lone', 100);
    await fanOutEvent(pipeline, { source: 'chat.platform', detailType: 'message.created', detail });
    const messages = await receiveAll(queue.queueUrl);
    expect(messages).toHaveLength(1);
    expect(parseDeliveryTask(messages[0]!.body)?.event.data).toEqual(detail.data);
    expect(await services.eventIds.payloadOf('tenant-a', 'evt_large_lone')).toBeUndefined();
    await consume(queue.queueUrl, messages, async () => ({ batchItemFailures: [] }));
  });

  it('retries a failed webhook with a small message, sends the same bytes again, and logs the whole event once attempts run out', async () => {
    receiver.received.length = 0;
    const queue = await queues('large-retry');
    // With the full log the claim carries the body anyway, so even a lone webhook gets a reference.
    const { services, pipeline } = servicesFor(queue, { RETRY_SCHEDULE: [1], DELIVERY_LOG: 'all' });
    const [hook] = await storeWebhooks(services, 1);
    const detail = largeDetail('evt_large_retry', 100);
    receiver.respondWith({ status: 503, body: 'busy' }, { status: 500, body: 'still broken' });

    await fanOutEvent(pipeline, { source: 'chat.platform', detailType: 'message.created', detail });
    const first = await receiveAll(queue.queueUrl);
    expect(first).toHaveLength(1);
    await consume(queue.queueUrl, first, (records) => processDeliveryBatch(pipeline, records));

    // The retry is due 1 s later by the test clock; the verifier allows minutes of skew.
    services.clock.set(new Date(services.clock.now().getTime() + 5_000));
    const retry = await receiveAll(queue.queueUrl);
    expect(retry).toHaveLength(1);
    expect(Buffer.byteLength(retry[0]!.body)).toBeLessThan(LARGE_EVENT_BYTES);
    const retried = parseDeliveryTask(retry[0]!.body)!;
    expect(retried.event.data).toBeUndefined();
    expect(retried.attempts).toHaveLength(1);
    await consume(queue.queueUrl, retry, (records) => processDeliveryBatch(pipeline, records));

    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.body).toBe(receiver.received[0]?.body);
    expect(new Webhook(hook!.secret).verify(receiver.received[1]!.body, headersOf(1))).toMatchObject({
      id: 'evt_large_retry',
      data: detail.data,
    });

    const dead = await receiveAll(queue.deadLetterQueueUrl);
    expect(dead).toHaveLength(1);
    expect(Buffer.byteLength(dead[0]!.body)).toBeLessThan(LARGE_EVENT_BYTES);
    await consume(queue.deadLetterQueueUrl, dead, (records) => recordDeadLetters(pipeline, records));
    const [entry] = services.failureLogs.logs;
    // Whole, so a redelivery of the failure log sends the event again.
    expect(entry?.log).toMatchObject({
      eventId: 'evt_large_retry',
      attemptCount: 2,
      lastStatusCode: 500,
      event: { id: 'evt_large_retry', data: detail.data },
    });
    expect(deliveryBodyOf(entry!.log.event)).toBe(receiver.received[0]?.body);
  });

  it('ends a delivery whose referenced payload is gone as a recorded failure with the reason, sending nothing', async () => {
    receiver.received.length = 0;
    const queue = await queues('large-missing');
    const { services, pipeline } = servicesFor(queue);
    const [hook] = await storeWebhooks(services, 1);
    // A reference to an event whose claim holds no payload (expired, or never stored).
    const task: DeliveryTask = {
      tenantId: 'tenant-a',
      webhookId: hook!.webhook.id,
      event: {
        id: 'evt_gone',
        type: 'message.created',
        timestamp: services.clock.now().toISOString(),
        tenantId: 'tenant-a',
        brandId: null,
        payloadRef: { sha256: payloadDigest('{"gone":true}') },
      },
      attempts: [],
    };
    await pipeline.deliveryQueue.enqueue([task]);
    const messages = await receiveAll(queue.queueUrl);
    await consume(queue.queueUrl, messages, (records) => processDeliveryBatch(pipeline, records));

    expect(receiver.received).toHaveLength(0);
    const dead = await receiveAll(queue.deadLetterQueueUrl);
    expect(dead).toHaveLength(1);
    const deadTask = parseDeliveryTask(dead[0]!.body);
    expect(deadTask?.givenUp?.reason).toMatch(/payload is no longer stored/);
    expect(deadTask?.attempts).toEqual([]);
    await consume(queue.deadLetterQueueUrl, dead, (records) => recordDeadLetters(pipeline, records));
    const [entry] = services.failureLogs.logs;
    expect(entry?.log).toMatchObject({
      eventId: 'evt_gone',
      attemptCount: 0,
      lastError: expect.stringMatching(/payload is no longer stored/),
      event: { id: 'evt_gone', data: { truncated: true, snippet: '' } },
    });
  });

  it('does not send another event under a reused id: a body whose digest differs is refused', async () => {
    receiver.received.length = 0;
    const queue = await queues('large-reused');
    const { services, pipeline } = servicesFor(queue, { WEBHOOKS_PER_DELIVERY_MESSAGE: 1 });
    const [hook] = await storeWebhooks(services, 2);
    await fanOutEvent(pipeline, {
      source: 'chat.platform',
      detailType: 'message.created',
      detail: largeDetail('evt_reused', 40),
    });
    const [message, other] = await receiveAll(queue.queueUrl);
    await consume(queue.queueUrl, [message!, other!], async () => ({ batchItemFailures: [] }));
    const stale = parseDeliveryTask(message!.body)!;
    // The same id, another body: what a reference written before the id was reused would find.
    const task = { ...stale, event: { ...stale.event, payloadRef: { sha256: payloadDigest('other') } } };
    await pipeline.deliveryQueue.enqueue([task]);
    await consume(queue.queueUrl, await receiveAll(queue.queueUrl), (records) =>
      processDeliveryBatch(pipeline, records),
    );
    expect(receiver.received).toHaveLength(0);
    const dead = await receiveAll(queue.deadLetterQueueUrl);
    expect(parseDeliveryTask(dead[0]!.body)?.givenUp?.reason).toMatch(/another event's/);
    expect(hook).toBeDefined();
  });
});
