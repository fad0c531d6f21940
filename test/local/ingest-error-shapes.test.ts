/**
 * docs/contract.md#events: the local ingest answers as EventBridge does on every error path of PORT, so the real
 * @aws-sdk/client-eventbridge raises the exception AWS would (never UnknownError from the admin
 * API's error shape): an oversized request, a request that fails inside the service, the
 * service still starting.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminTokenRegistry } from '#local/admin-tokens';
import { handlePutEvents } from '#local/eventbridge-ingest';
import { createLocalServer, type LocalServerRoutes } from '#local/server';

const TEST_AWS_KEY = { accessKeyId: 'LOCALTESTKEY', secretAccessKey: 'test-secret' };
let mode: 'normal' | 'crash' = 'normal';
let server: Server;
let client: EventBridgeClient;

beforeAll(async () => {
  const routes: LocalServerRoutes = {
    tokens: new AdminTokenRegistry([]),
    tenantClaim: 'tenant_id',
    awsKey: TEST_AWS_KEY,
    api: async () => ({ statusCode: 404, body: '{}' }),
    putEvents: async (body) => {
      if (mode === 'crash') throw new Error('The local runtime is still starting');
      return handlePutEvents(body, { eventBusName: 'chat-events', persist: async () => undefined });
    },
    sqs: async () => ({ statusCode: 500, headers: {}, body: '' }),
    onError: () => undefined,
  };
  server = createLocalServer(routes);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new EventBridgeClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: TEST_AWS_KEY,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const entry = (detailBytes: number) => ({
  Source: 'chat.platform',
  DetailType: 'message.created',
  EventBusName: 'chat-events',
  Detail: JSON.stringify({ tenantId: 't', brandId: 'b', data: { pad: 'x'.repeat(detailBytes) } }),
});

describe('PutEvents error paths on PORT', () => {
  it.each([
    ['over the 256 KB entry limit', 300 * 1024],
    ['over the port’s 2 MiB request limit', 3 * 1024 * 1024],
  ])('a request %s raises ValidationException, as from AWS', async (_case, bytes) => {
    mode = 'normal';
    const error = await client
      .send(new PutEventsCommand({ Entries: [entry(bytes)] }))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('a failure inside the service raises InternalException (retryable), not UnknownError', async () => {
    mode = 'crash';
    const error = await client
      .send(new PutEventsCommand({ Entries: [entry(10)] }))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'InternalException', $metadata: { httpStatusCode: 500 } });
  });
});
