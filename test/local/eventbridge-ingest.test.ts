import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BusEvent, handlePutEvents } from '#local/eventbridge-ingest';

const stored: BusEvent[] = [];
let failPersist = false;
let server: Server;
let client: EventBridgeClient;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      expect(request.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
      const answer = await handlePutEvents(Buffer.concat(chunks).toString('utf8'), {
        eventBusName: 'chat-events',
        persist: async (events) => {
          if (failPersist) throw new Error('disk full');
          stored.push(...events);
        },
      });
      response.writeHead(answer.statusCode, answer.headers).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new EventBridgeClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const detail = JSON.stringify({ tenantId: 'acme', brandId: 'b1', data: { conversationId: 'c1' } });

describe('the local PutEvents ingest, through the real EventBridge client', () => {
  it('accepts good entries with an EventId and fails bad ones per entry, as AWS does', async () => {
    stored.length = 0;
    const output = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'chat.platform',
            DetailType: 'conversation.deleted',
            Detail: detail,
            EventBusName: 'chat-events',
          },
          {
            Source: 'chat.platform',
            DetailType: 'conversation.deleted',
            Detail: '{not json',
            EventBusName: 'chat-events',
          },
          {
            Source: 'chat.platform',
            DetailType: 'conversation.deleted',
            Detail: detail,
            EventBusName: 'other-bus',
          },
          {
            Source: 'chat.platform',
            DetailType: 'conversation.deleted',
            Detail: detail,
            EventBusName: 'arn:aws:events:us-east-1:1:event-bus/chat-events',
          },
          { Source: 'chat.platform', Detail: detail, EventBusName: 'chat-events' },
        ],
      }),
    );
    expect(output.FailedEntryCount).toBe(3);
    expect(output.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(output.Entries?.[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(output.Entries?.[2]).toMatchObject({ ErrorCode: 'ResourceNotFoundException' });
    expect(output.Entries?.[3]?.EventId).toBeDefined();
    expect(output.Entries?.[4]).toMatchObject({ ErrorCode: 'InvalidArgument' });
    expect(stored.map((event) => event.id)).toEqual([
      output.Entries?.[0]?.EventId,
      output.Entries?.[3]?.EventId,
    ]);
    expect(stored[0]).toMatchObject({ source: 'chat.platform', detailType: 'conversation.deleted', detail });
  });

  it('refuses a batch over 10 entries or 256 KB as a whole', async () => {
    const entry = {
      Source: 'chat.platform',
      DetailType: 'conversation.deleted',
      Detail: detail,
      EventBusName: 'chat-events',
    };
    await expect(
      client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry) })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const huge = JSON.stringify({ tenantId: 'acme', brandId: 'b1', data: { text: 'x'.repeat(260 * 1024) } });
    await expect(
      client.send(new PutEventsCommand({ Entries: [{ ...entry, Detail: huge }] })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('reports entries it could not store as failed, so the publisher retries them', async () => {
    failPersist = true;
    try {
      const output = await client.send(
        new PutEventsCommand({
          Entries: [
            { Source: 'chat.platform', DetailType: 'x', Detail: detail, EventBusName: 'chat-events' },
          ],
        }),
      );
      expect(output.FailedEntryCount).toBe(1);
      expect(output.Entries?.[0]?.ErrorCode).toBe('InternalException');
    } finally {
      failPersist = false;
    }
  });
});
