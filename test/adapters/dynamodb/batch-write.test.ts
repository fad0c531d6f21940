import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#adapters/aws-clients';
import { batchWrite, UnprocessedWritesError, type WriteRequest } from '#adapters/dynamodb/batch-write';
import { DynamoWebhookRepository } from '#adapters/dynamodb/webhook-repository';
import type { StoredWebhook } from '#domain/model';

// Throttling cannot be provoked on dynalite or DynamoDB Local, so these tests (only these)
// answer BatchWriteItem from a mock.
const documentMock = mockClient(DynamoDBDocumentClient);
afterEach(() => documentMock.reset());

const client = () => createDocumentClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1' });
const put = (id: number): WriteRequest => ({ PutRequest: { Item: { pk: 'p', sk: `s${id}` } } });
const fast = { baseDelayMs: 1, maxDelayMs: 2 };

function sentBatches(): WriteRequest[][] {
  return documentMock
    .commandCalls(BatchWriteCommand)
    .map((call) => call.args[0].input.RequestItems?.table ?? []);
}

describe('batchWrite', () => {
  it('resends only the unprocessed items until none remain', async () => {
    documentMock
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { table: [put(2), put(3)] } })
      .resolvesOnce({ UnprocessedItems: { table: [put(3)] } })
      .resolves({ UnprocessedItems: {} });
    await batchWrite(client(), 'table', [put(1), put(2), put(3)], fast);
    expect(sentBatches()).toEqual([[put(1), put(2), put(3)], [put(2), put(3)], [put(3)]]);
  });

  it('splits requests into chunks of 25', async () => {
    documentMock.on(BatchWriteCommand).resolves({});
    const requests = Array.from({ length: 60 }, (_, index) => put(index));
    await batchWrite(client(), 'table', requests, fast);
    expect(
      sentBatches()
        .map((batch) => batch.length)
        .sort((a, b) => a - b),
    ).toEqual([10, 25, 25]);
    expect(sentBatches().flat()).toHaveLength(60);
  });

  it('sends nothing for no requests', async () => {
    await batchWrite(client(), 'table', [], fast);
    expect(sentBatches()).toEqual([]);
  });

  it('gives up with UnprocessedWritesError after the last attempt', async () => {
    documentMock.on(BatchWriteCommand).resolves({ UnprocessedItems: { table: [put(1)] } });
    const attempt = batchWrite(client(), 'table', [put(1), put(2)], { ...fast, maxAttempts: 3 });
    await expect(attempt).rejects.toBeInstanceOf(UnprocessedWritesError);
    expect(sentBatches()).toHaveLength(3);
  });
});

describe('DynamoWebhookRepository under throttling', () => {
  it('retries throttled subscription writes before writing the webhook item', async () => {
    documentMock
      .on(BatchWriteCommand)
      .resolvesOnce({
        UnprocessedItems: {
          table: [{ PutRequest: { Item: { pk: 'T#t1#E#message.edited', sk: 'B#*#wh_1' } } }],
        },
      })
      .resolves({});
    const webhook: StoredWebhook = {
      id: 'wh_1',
      tenantId: 't1',
      name: 'n',
      description: '',
      brandId: null,
      events: ['message.created', 'message.edited'],
      url: 'https://hooks.example.com/',
      status: 'active',
      authentication: null,
      signing: { enabled: false },
      signingSecrets: [],
      headers: {},
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      version: 1,
    };
    await new DynamoWebhookRepository(client(), 'table', fast).create(webhook);
    const batches = sentBatches();
    expect(batches).toHaveLength(2);
    expect(batches[1]).toEqual([{ PutRequest: { Item: { pk: 'T#t1#E#message.edited', sk: 'B#*#wh_1' } } }]);
    // The webhook item comes last: a subscription must never be missing for a stored webhook.
    const order = documentMock.calls().map((call) => call.args[0].constructor.name);
    expect(order).toEqual(['BatchWriteCommand', 'BatchWriteCommand', 'PutCommand']);
  });
});
