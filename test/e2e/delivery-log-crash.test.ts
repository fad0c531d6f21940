/**
 * docs/contract.md#delivery-log across a crash: a delivery recorded `pending` after its first failed attempt, the whole
 * `npm start` process group killed with SIGKILL, the service started again on the same data directory:
 * the retry's outcome updates the same record, which ends `succeeded` with both attempts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killProcessGroupHard, type ServiceProcess, startServiceProcess } from '../support/npm-start-process';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

const TOKEN = 'delivery-log-crash-token-0123456789';
let dataDir: string;
let receiver: Receiver;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cw-log-crash-'));
  receiver = await startReceiver();
});

afterAll(async () => {
  for (const service of running) await killProcessGroupHard(service.child).catch(() => undefined);
  await receiver?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const env = {
  PORT: '0',
  ADMIN_TOKENS: `${TOKEN}=acme`,
  ALLOW_INSECURE_LOCALHOST: 'true',
  // Long enough to kill the service between the attempts.
  RETRY_SCHEDULE: '4',
  DELIVERY_TIMEOUT_MS: '1000',
  POWERTOOLS_LOG_LEVEL: 'WARN',
};

async function call(url: string, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

describe('the delivery log across kill -9', () => {
  it('a delivery recorded pending is settled by the retry after a restart', async () => {
    const first = await startServiceProcess({ ...env, DATA_DIR: dataDir });
    running.push(first);
    receiver.on('/crash', (_hit, response, count) => response.writeHead(count === 1 ? 503 : 200).end('ok'));
    const created = await fetch(`${first.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'crash', events: ['conversation.deleted'], url: receiver.url('/crash') }),
    }).then((response) => response.json() as Promise<{ id: string }>);
    const events = new EventBridgeClient({
      endpoint: first.url,
      region: 'us-east-1',
      credentials: first.awsKey,
    });
    const published = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'chat.platform',
            DetailType: 'conversation.deleted',
            EventBusName: 'chat-events',
            Detail: JSON.stringify({
              tenantId: 'acme',
              brandId: 'main',
              id: 'evt_crash',
              data: { conversationId: 'c1' },
            }),
          },
        ],
      }),
    );
    events.destroy();
    expect(published.FailedEntryCount).toBe(0);

    const pending = await eventually(
      async () => {
        const items = (await call(first.url, `/v1/deliveries?webhookId=${created.id}`)).body?.items ?? [];
        return items[0]?.status === 'pending' ? items[0] : undefined;
      },
      20_000,
      'the delivery recorded pending',
    );
    expect(pending).toMatchObject({ attemptCount: 1, lastStatusCode: 503 });
    expect(receiver.hits('/crash')).toHaveLength(1);

    await killProcessGroupHard(first.child);
    const second = await startServiceProcess({ ...env, DATA_DIR: dataDir });
    running.push(second);

    const settled = await eventually(
      async () => {
        const items = (await call(second.url, `/v1/deliveries?webhookId=${created.id}`)).body?.items ?? [];
        return items.length === 1 && items[0].status === 'succeeded' ? items[0] : undefined;
      },
      40_000,
      'the same record settled by the retry',
    );
    expect(settled).toMatchObject({ id: pending.id, attemptCount: 2, lastStatusCode: 200 });
    expect(settled.nextAttemptAt).toBeUndefined();
    const detail = await call(second.url, `/v1/deliveries/${pending.id}`);
    expect(detail.body.attempts.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([
      503, 200,
    ]);
    expect(detail.body.payload).toMatchObject({ id: 'evt_crash', type: 'conversation.deleted' });
    expect(receiver.hits('/crash')).toHaveLength(2);
  });
});
