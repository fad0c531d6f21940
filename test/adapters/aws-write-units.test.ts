/**
 * The request counter's write units (what a benchmark prices DynamoDB writes by), measured against the
 * embedded store through the real SDK: single-item writes as the store reports them, batch puts by
 * item size, each by item family.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsRequestCounter,
  createAwsRequestCounter,
  createDocumentClient,
  isRequestKey,
  itemSizeBytes,
} from '#adapters/aws-clients';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#local/embedded-dynamodb';

const TABLE = 'write-units-test';
let store: EmbeddedDynamo;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'write-units-'));
  store = await startEmbeddedDynamo({ dataDir, tableName: TABLE });
});

afterAll(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

function countingClient(counter: AwsRequestCounter) {
  return createDocumentClient({ endpoint: store.endpoint, counter });
}

describe('write units by item family', () => {
  it('counts a put by its size, an update by the larger of before and after, apart from requests', async () => {
    const counter = createAwsRequestCounter();
    const client = countingClient(counter);
    const key = { pk: 'T#a#DL#wh_1', sk: 'DL#01ABC' };
    await client.send(new PutCommand({ TableName: TABLE, Item: { ...key, body: 'x'.repeat(1500) } }));
    await client.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: key,
        UpdateExpression: 'SET #body = :body',
        ExpressionAttributeNames: { '#body': 'body' },
        ExpressionAttributeValues: { ':body': 'short' },
      }),
    );
    await client.send(
      new PutCommand({ TableName: TABLE, Item: { pk: 'T#a#EV#e1', sk: 'PAYLOAD', body: 'y' } }),
    );
    client.destroy();
    const counts = counter.snapshot();
    // 1.5 KB: 2 units; the update shrinks it, billed on the larger (before): 2 again.
    expect(counts['DynamoDB.WriteUnits:DL']).toBe(4);
    expect(counts['DynamoDB.WriteUnits:PAYLOAD']).toBe(1);
    expect(counts['DynamoDB.PutItem']).toBe(2);
    expect(counter.total()).toBe(3);
    expect(isRequestKey('DynamoDB.WriteUnits:DL')).toBe(false);
  });

  it('counts each item of a BatchWriteItem by its own size and family', async () => {
    const counter = createAwsRequestCounter();
    const client = countingClient(counter);
    await client.send(
      new BatchWriteCommand({
        RequestItems: {
          [TABLE]: [
            { PutRequest: { Item: { pk: 'T#a#DL#wh_1', sk: 'DL#01A', note: 'small' } } },
            { PutRequest: { Item: { pk: 'T#a#DL#wh_1', sk: 'DL#01B', note: 'z'.repeat(2100) } } },
            { PutRequest: { Item: { pk: 'T#a#DL#wh_1', sk: 'HEALTH', count: 3 } } },
          ],
        },
      }),
    );
    client.destroy();
    expect(counter.snapshot()).toMatchObject({
      'DynamoDB.BatchWriteItem': 1,
      'DynamoDB.WriteUnits:DL': 1 + 3,
      'DynamoDB.WriteUnits:HEALTH': 1,
    });
  });

  it('sizes items as DynamoDB does: names and values, nested lists and maps', () => {
    expect(itemSizeBytes({ ab: { S: 'hello' } })).toBe(2 + 5);
    expect(itemSizeBytes({ n: { N: '12345' } })).toBe(1 + 4);
    expect(itemSizeBytes({ l: { L: [{ S: 'ab' }, { BOOL: true }] } })).toBe(1 + 3 + (1 + 2) + (1 + 1));
    expect(itemSizeBytes({ m: { M: { k: { S: 'v' } } } })).toBe(1 + 3 + (1 + 1 + 1));
  });
});
