/**
 * Prompt acknowledgement in the local runtime: the delivery thread deletes the records it has settled
 * through its own SQS client while a slow record of the same batch is still in flight, so a crash at
 * that moment would send only the slow one again.
 */
import type { ServerResponse } from 'node:http';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageCreatedEntry, startTestService, type TestService } from '../support/local-service';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

let service: TestService;
let receiver: Receiver;
let sqs: SQSClient;
const held: ServerResponse[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.on('/slow', (_hit, response) => held.push(response));
  service = await startTestService({
    LOCAL_SQS_PORT: '0',
    LOCAL_DELIVERY_THREADS: '1',
    WEBHOOKS_PER_DELIVERY_MESSAGE: '1',
    DELIVERY_TIMEOUT_MS: '20000',
  });
  sqs = new SQSClient({
    endpoint: service.runtime.sqsUrl,
    region: 'us-east-1',
    credentials: { ...service.runtime.awsKey },
    useQueueUrlAsEndpoint: false,
  });
});

afterAll(async () => {
  for (const response of held) response.end();
  sqs?.destroy();
  await service?.stop();
  await receiver?.close();
});

async function deliveriesInFlight(): Promise<number> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'chat-webhooks-deliveries' }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

describe('prompt acknowledgement (local runtime)', () => {
  it('deletes the settled deliveries of a batch while its slow one is still waiting for its endpoint', async () => {
    for (const path of ['/slow', '/a', '/b', '/c']) {
      const created = await service.api('POST', '/v1/webhooks', {
        name: path,
        url: receiver.url(path),
        events: ['message.created'],
      });
      expect(created.status).toBe(201);
    }
    // One event, four webhooks: four messages written by one SendMessageBatch, received together.
    expect((await service.publish([messageCreatedEntry('ack', 0)])).FailedEntryCount).toBe(0);

    await receiver.waitFor(
      () => held.length === 1 && ['/a', '/b', '/c'].every((path) => receiver.hits(path).length === 1),
      20_000,
      'every delivery to reach its endpoint',
    );
    // The slow endpoint has not answered, yet only its delivery is still in flight.
    await eventually(
      async () => (await deliveriesInFlight()) === 1,
      10_000,
      'the settled deliveries to be deleted',
    );
    expect(held).toHaveLength(1);

    held.shift()?.writeHead(200).end('ok');
    await eventually(
      async () => (await deliveriesInFlight()) === 0,
      10_000,
      'the slow delivery to be deleted',
    );
  });
});
