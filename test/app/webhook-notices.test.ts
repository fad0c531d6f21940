/**
 * Notices for people who are not looking: `webhook.failing` at 1 h, 24 h and 72 h of continuous
 * failure, `webhook.recovered` at the first success after one of them, each once per threshold and
 * failing period, also when many deliveries race on the same stale copy of the webhook (the
 * conditional update of the health item's failing period is the one claim), and again in a new
 * failing period.
 */
import { describe, expect, it } from 'vitest';
import { recordDeliveryFailure, recordDeliverySuccess } from '#app/webhook-health';
import type { StoredWebhook } from '#domain/model';
import { createTestServices, webhookFixture } from '../support/in-memory-ports';

const MINUTES = 60_000;

async function current(services: ReturnType<typeof createTestServices>, webhook: StoredWebhook) {
  const stored = await services.webhooks.get(webhook.tenantId, webhook.id);
  if (!stored) throw new Error('webhook missing');
  return stored;
}

describe('webhook health notices', () => {
  it('announces 1 h, 24 h and 72 h of failure once each, then the recovery, across racing deliveries', async () => {
    const services = createTestServices();
    const webhook = webhookFixture({ name: 'CRM sync' });
    await services.webhooks.create(webhook);
    const start = services.clock.now().getTime();
    // A failed attempt every 30 minutes for 80 hours; each time 5 deliveries race on one stale copy.
    for (let elapsed = 0; elapsed <= 80 * 60 * MINUTES; elapsed += 30 * MINUTES) {
      services.clock.set(new Date(start + elapsed));
      const stale = await current(services, webhook);
      await Promise.all(
        Array.from({ length: 5 }, () =>
          recordDeliveryFailure(services, stale, services.clock.now(), { statusCode: 503 }),
        ),
      );
    }
    const failing = services.notices.health;
    expect(failing.map((notice) => [notice.type, notice.failingForHours])).toEqual([
      ['webhook.failing', 1],
      ['webhook.failing', 24],
      ['webhook.failing', 72],
    ]);
    expect(failing[0]).toMatchObject({
      tenantId: webhook.tenantId,
      webhookId: webhook.id,
      webhookName: 'CRM sync',
      failingSince: new Date(start).toISOString(),
      lastError: 'HTTP 503',
      consolePath: `/webhooks/${webhook.id}`,
    });

    const failingCopy = await current(services, webhook);
    await Promise.all(Array.from({ length: 5 }, () => recordDeliverySuccess(services, failingCopy)));
    expect(services.notices.health.slice(3).map((notice) => notice.type)).toEqual(['webhook.recovered']);
    expect(
      (await services.webhookHealth.failingPeriod(webhook.tenantId, webhook.id)).period?.failingNoticeHours,
    ).toBeUndefined();

    // A new failing period announces its thresholds again; a short blip announces nothing.
    const again = services.clock.now().getTime();
    await recordDeliveryFailure(services, await current(services, webhook), services.clock.now(), {
      statusCode: 500,
    });
    await recordDeliverySuccess(services, await current(services, webhook));
    expect(services.notices.health).toHaveLength(4);
    for (const minutes of [0, 30, 61]) {
      services.clock.set(new Date(again + 10 * MINUTES + minutes * MINUTES));
      await recordDeliveryFailure(services, await current(services, webhook), services.clock.now(), {
        statusCode: 500,
      });
    }
    expect(services.notices.health.slice(4).map((notice) => [notice.type, notice.failingForHours])).toEqual([
      ['webhook.failing', 1],
    ]);
  });
});
