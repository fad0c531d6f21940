/**
 * Where a webhook's failing period lives (docs/decisions/0003-where-health-lives.md): on its health
 * item, written by conditional updates, so delivery never writes the webhook record except to
 * deactivate it; and a success any process recorded ends the period, even one whose own view of the
 * period was stale.
 */
import { describe, expect, it } from 'vitest';
import { flushHealthCounters, noteAttemptHealth, readWebhookHealth } from '#app/health-counters';
import { forgetFailingPeriod, recordDeliveryFailure, recordDeliverySuccess } from '#app/webhook-health';
import { createTestServices, webhookFixture } from '../support/in-memory-ports';

const MINUTE = 60_000;

describe('the failing period on the health item', () => {
  it('a success recorded by another process (whose view said no period) ends the period for the API and the next failure', async () => {
    const processA = createTestServices();
    // A second process: the same stores and clock, its own per-process state.
    const processB = { ...processA };
    const webhook = webhookFixture({ tenantId: 'tenant-a', id: 'wh_shared' });
    await processA.webhooks.create(webhook);
    const start = processA.clock.now();

    // B looks first (nothing open), then A's attempts start failing.
    await recordDeliverySuccess(processB, webhook);
    await recordDeliveryFailure(processA, webhook, processA.clock.now(), { statusCode: 503 });
    const health = async () => (await readWebhookHealth(processA, 'tenant-a', [webhook])).get(webhook.id);
    expect((await health())?.failingSince).toBe(start.toISOString());

    // B's success comes while its view is still fresh: it does not clear the period itself, but the
    // counters it flushes record the success.
    processA.clock.advance(MINUTE / 2);
    const succeededAt = processA.clock.now().toISOString();
    await recordDeliverySuccess(processB, webhook);
    await noteAttemptHealth(processB, 'tenant-a', webhook.id, { at: succeededAt, outcome: 'succeeded' });
    await flushHealthCounters(processB);
    expect((await health())?.failingSince).toBeUndefined();

    // A's next failure starts a new period instead of continuing the one the success ended.
    processA.clock.advance(MINUTE / 2);
    await recordDeliveryFailure(processA, webhook, processA.clock.now(), { statusCode: 503 });
    expect((await health())?.failingSince).toBe(processA.clock.now().toISOString());
    // The webhook record was never written.
    expect((await processA.webhooks.get('tenant-a', webhook.id))?.version).toBe(webhook.version);
  });

  it('keeps tenants apart: a failing period of one tenant’s webhook shows on no other tenant’s webhook of the same id', async () => {
    const services = createTestServices();
    const ofA = webhookFixture({ tenantId: 'tenant-a', id: 'wh_same' });
    const ofB = webhookFixture({ tenantId: 'tenant-b', id: 'wh_same' });
    await services.webhooks.create(ofA);
    await services.webhooks.create(ofB);
    await recordDeliveryFailure(services, ofA, services.clock.now(), { statusCode: 500 });
    expect((await readWebhookHealth(services, 'tenant-a', [ofA])).get('wh_same')?.failingSince).toBeDefined();
    expect(
      (await readWebhookHealth(services, 'tenant-b', [ofB])).get('wh_same')?.failingSince,
    ).toBeUndefined();
    expect(
      (await readWebhookHealth(services, 'hostile', [ofB])).get('wh_same')?.failingSince,
    ).toBeUndefined();

    // Re-activation by an admin forgets the period.
    await forgetFailingPeriod(services, 'tenant-a', 'wh_same');
    expect(
      (await readWebhookHealth(services, 'tenant-a', [ofA])).get('wh_same')?.failingSince,
    ).toBeUndefined();
  });
});
