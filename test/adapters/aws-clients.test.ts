import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createAwsRequestCounter,
  createDocumentClient,
  createDynamoDbClient,
  createEventBridgeClient,
  createSqsClient,
  requestsBetween,
} from '#adapters/aws-clients';

interface Received {
  target: string | undefined;
  url: string | undefined;
  authorization: string | undefined;
}

/** A loopback server answering AWS JSON requests from a script of responses. */
let server: Server;
let endpoint: string;
let received: Received[];
let responses: { status: number; body: unknown }[];

beforeEach(async () => {
  received = [];
  responses = [];
  server = createServer((request: IncomingMessage, response) => {
    request.resume();
    request.on('end', () => {
      received.push({
        target: request.headers['x-amz-target'] as string | undefined,
        url: request.url,
        authorization: request.headers.authorization,
      });
      const next = responses.shift() ?? { status: 200, body: {} };
      response.writeHead(next.status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(next.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('AwsRequestCounter', () => {
  it('counts per service and operation, and totals', () => {
    const counter = createAwsRequestCounter();
    counter.count('DynamoDB', 'GetItem');
    counter.count('DynamoDB', 'GetItem');
    counter.count('SQS', 'SendMessage');
    expect(counter.snapshot()).toEqual({ 'DynamoDB.GetItem': 2, 'SQS.SendMessage': 1 });
    expect(counter.total()).toBe(3);
  });

  it('counts several requests at once, and tells what was counted between two snapshots', () => {
    const counter = createAwsRequestCounter();
    counter.count('SQS', 'SendMessage');
    const before = counter.snapshot();
    counter.count('SQS', 'SendMessage', 3);
    counter.count('DynamoDB', 'Query', 2);
    expect(requestsBetween(before, counter.snapshot())).toEqual({
      'SQS.SendMessage': 3,
      'DynamoDB.Query': 2,
    });
    expect(requestsBetween(counter.snapshot(), counter.snapshot())).toEqual({});
    expect(counter.total()).toBe(6);
  });
});

describe('client factories', () => {
  it('send to the endpoint override, signed with stand-in credentials', async () => {
    const client = createDynamoDbClient({ endpoint });
    await client.send(new GetItemCommand({ TableName: 'table', Key: { pk: { S: 'a' } } }));
    client.destroy();
    expect(received).toHaveLength(1);
    expect(received[0]?.target).toBe('DynamoDB_20120810.GetItem');
    expect(received[0]?.authorization).toContain('Credential=local/');
    expect(received[0]?.authorization).toContain('/us-east-1/dynamodb/');
  });

  it('count every attempt, retries included', async () => {
    const counter = createAwsRequestCounter();
    responses = [
      { status: 500, body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'x' } },
      { status: 200, body: {} },
    ];
    const client = createDynamoDbClient({ endpoint, counter, maxAttempts: 3 });
    await client.send(new GetItemCommand({ TableName: 'table', Key: { pk: { S: 'a' } } }));
    client.destroy();
    expect(received).toHaveLength(2);
    expect(counter.snapshot()).toEqual({ 'DynamoDB.GetItem': 2 });
  });

  it('count a DocumentClient command as the DynamoDB operation it sends', async () => {
    const counter = createAwsRequestCounter();
    const client = createDocumentClient({ endpoint, counter });
    await client.send(new PutCommand({ TableName: 'table', Item: { pk: 'a', dropped: undefined } }));
    client.destroy();
    expect(counter.snapshot()).toEqual({ 'DynamoDB.PutItem': 1 });
    expect(counter.total()).toBe(1);
  });

  it('count the items a BatchGetItem asks for beside the request, each attempt again, outside total()', async () => {
    const counter = createAwsRequestCounter();
    responses = [
      { status: 500, body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'x' } },
      { status: 200, body: { Responses: { table: [] } } },
    ];
    const client = createDocumentClient({ endpoint, counter, maxAttempts: 3 });
    await client.send(
      new BatchGetCommand({
        RequestItems: { table: { Keys: [{ pk: 'a' }, { pk: 'b' }, { pk: 'c' }], ConsistentRead: true } },
      }),
    );
    client.destroy();
    // Billed per item read (1 unit per 4 KB each, consistent): 3 items per attempt, 2 attempts.
    expect(counter.snapshot()).toEqual({ 'DynamoDB.BatchGetItem': 2, 'DynamoDB.BatchGetItem:items': 6 });
    expect(counter.total()).toBe(2);
  });

  it('send SQS requests to the endpoint, not to the host inside the QueueUrl', async () => {
    const counter = createAwsRequestCounter();
    responses = [
      { status: 200, body: { MessageId: 'm1', MD5OfMessageBody: '0cc175b9c0f1b6a831c399e269772661' } },
    ];
    const client = createSqsClient({ endpoint, counter });
    // Port 9 on loopback: a request that wrongly followed the QueueUrl would be refused.
    await client.send(
      new SendMessageCommand({ QueueUrl: 'http://127.0.0.1:9/000000000000/deliveries', MessageBody: 'a' }),
    );
    client.destroy();
    expect(received).toHaveLength(1);
    expect(received[0]?.target).toBe('AmazonSQS.SendMessage');
    expect(counter.snapshot()).toEqual({ 'SQS.SendMessage': 1 });
  });

  it('sign requests that go to a socket, but not those handed to an in-process request handler', async () => {
    const headers: Record<string, string | undefined>[] = [];
    const inProcess = {
      async handle(request: { headers: Record<string, string> }) {
        headers.push({
          authorization: request.headers.authorization,
          target: request.headers['x-amz-target'],
        });
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Buffer.from('{"MessageId":"m1","MD5OfMessageBody":"0cc175b9c0f1b6a831c399e269772661"}'),
          },
        };
      },
    };
    const counter = createAwsRequestCounter();
    const local = createSqsClient({ endpoint, counter, requestHandler: inProcess as never });
    await local.send(
      new SendMessageCommand({ QueueUrl: 'http://127.0.0.1:9/000000000000/deliveries', MessageBody: 'a' }),
    );
    expect(headers).toEqual([{ authorization: undefined, target: 'AmazonSQS.SendMessage' }]);
    // Still counted: the in-process call stands for an SQS request on AWS.
    expect(counter.snapshot()).toEqual({ 'SQS.SendMessage': 1 });
    responses = [
      { status: 200, body: { MessageId: 'm1', MD5OfMessageBody: '0cc175b9c0f1b6a831c399e269772661' } },
    ];
    const remote = createSqsClient({ endpoint });
    await remote.send(
      new SendMessageCommand({ QueueUrl: 'http://127.0.0.1:9/000000000000/deliveries', MessageBody: 'a' }),
    );
    remote.destroy();
    expect(received[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=local\//);
  });

  it('count EventBridge calls under their service name', async () => {
    const counter = createAwsRequestCounter();
    responses = [{ status: 200, body: { FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] } }];
    const client = createEventBridgeClient({ endpoint, counter });
    await client.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }));
    client.destroy();
    expect(received[0]?.target).toBe('AWSEvents.PutEvents');
    expect(counter.snapshot()).toEqual({ 'EventBridge.PutEvents': 1 });
  });
});
