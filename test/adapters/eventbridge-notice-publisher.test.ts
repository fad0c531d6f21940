import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBridgeNoticePublisher } from '#adapters/eventbridge-notice-publisher';
import { describeNoticePublisherContract } from '#test/contracts/notice-publisher.contract';

/**
 * A stand-in for the EventBridge endpoint on loopback: the real SDK client speaks its real wire
 * protocol (AWS JSON 1.1) to it, and it answers as PutEvents does.
 */
const requests: { headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
let answer: Record<string, unknown> = {};
let server: Server;
let client: EventBridgeClient;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new EventBridgeClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const notice = {
  tenantId: 'tenant-a',
  webhookId: 'wh_1',
  reason: 'Deliveries failed without a single success since 2026-02-24T12:00:00.000Z',
  at: '2026-03-01T12:00:00.000Z',
};

describeNoticePublisherContract('EventBridgeNoticePublisher', async () => {
  answer = { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] };
  const from = requests.length;
  return {
    publisher: new EventBridgeNoticePublisher({ client, eventBusName: 'chat-events' }),
    published: async () =>
      requests
        .slice(from)
        .flatMap((request) => request.body.Entries as { Detail: string }[])
        .map((entry) => JSON.parse(entry.Detail)),
  };
});

describe('EventBridgeNoticePublisher', () => {
  it('puts a webhook.disabled event from chat.webhooks on the configured bus', async () => {
    answer = { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] };
    const publisher = new EventBridgeNoticePublisher({ client, eventBusName: 'chat-events' });

    await publisher.webhookDisabled(notice);

    const request = requests.at(-1)!;
    expect(request.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
    const entries = request.body.Entries as Record<string, unknown>[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      Source: 'chat.webhooks',
      DetailType: 'webhook.disabled',
      EventBusName: 'chat-events',
    });
    expect(JSON.parse(String(entries[0]?.Detail))).toEqual({
      ...notice,
      consolePath: `/webhooks/${notice.webhookId}`,
    });
  });

  it('links every notice to the webhook’s page in the console when CONSOLE_URL is known', async () => {
    answer = { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] };
    const publisher = new EventBridgeNoticePublisher({
      client,
      eventBusName: 'chat-events',
      consoleUrl: 'https://console.example.com/',
    });
    await publisher.webhookDisabled({ ...notice, webhookId: 'wh_a/b' });
    expect(
      JSON.parse(String((requests.at(-1)!.body.Entries as { Detail: string }[])[0]?.Detail)),
    ).toMatchObject({
      consolePath: '/webhooks/wh_a%2Fb',
      consoleUrl: 'https://console.example.com/webhooks/wh_a%2Fb',
    });
    await publisher.webhookHealthNotice({
      type: 'webhook.failing',
      tenantId: 'tenant-a',
      webhookId: 'wh_1',
      webhookName: 'Orders',
      failingSince: '2026-03-01T11:00:00.000Z',
      failingForHours: 1,
      consolePath: '/webhooks/wh_1',
      at: '2026-03-01T12:00:00.000Z',
    });
    expect(
      JSON.parse(String((requests.at(-1)!.body.Entries as { Detail: string }[])[0]?.Detail)),
    ).toMatchObject({
      consoleUrl: 'https://console.example.com/webhooks/wh_1',
    });
  });

  it('throws when EventBridge refuses the entry (PutEvents reports it in a 200 answer)', async () => {
    answer = { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try later' }] };
    const publisher = new EventBridgeNoticePublisher({ client, eventBusName: 'chat-events' });
    await expect(publisher.webhookDisabled(notice)).rejects.toThrow(/InternalFailure try later/);
  });
});
