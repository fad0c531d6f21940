/**
 * docs/contract.md#delivery-log across a crash: a delivery recorded `pending` after its first failed attempt, the whole
 * `npm start` process group killed with SIGKILL, the service started again on the same data directory:
 * the retry's outcome updates the same record, which ends `succeeded` with both attempts.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { crashHarness } from '../support/crash-harness';
import { killProcessGroupHard } from '../support/npm-start-process';
import { eventually } from '../support/receiver';

const TOKEN = 'delivery-log-crash-token-0123456789';
const harness = crashHarness(TOKEN, 'cw-log-crash-');
const call = harness.call;

describe('the delivery log across kill -9', () => {
  it('a delivery recorded pending is settled by the retry after a restart', async () => {
    const receiver = harness.receiver();
    const first = await harness.start();
    receiver.on('/crash', (_hit, response, count) => response.writeHead(count === 1 ? 503 : 200).end('ok'));
    const posted = await harness.post(first.url, '/v1/webhooks', {
      name: 'crash',
      events: ['conversation.deleted'],
      url: receiver.url('/crash'),
    });
    expect(posted.status).toBe(201);
    const created = posted.body as { id: string };
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
    const second = await harness.start();

    const settled = await eventually(
      async () => {
        const items = (await call(second.url, `/v1/deliveries?webhookId=${created.id}`)).body?.items ?? [];
        // A delivery that ended failed will not settle: say how, instead of waiting out the deadline.
        if (items.some((item: { status: string }) => item.status === 'failed'))
          throw new Error(`the delivery ended failed: ${JSON.stringify(items)}`);
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
