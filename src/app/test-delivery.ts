/** `POST /v1/webhooks/{id}/test`: one `webhook.test` delivery now, reported, never retried. */
import { buildTestEvent } from '#domain/event-catalogue';
import { attemptDelivery } from './deliver';
import type { Services } from './services';
import { requireWebhook } from './webhook-service';

/** What the admin sees of the test attempt. */
export interface TestDeliveryReport {
  delivered: boolean;
  statusCode?: number;
  durationMs: number;
  error?: string;
}

/** Sends a test event to the webhook (active or not: testing a paused endpoint is the point). */
export async function sendTestDelivery(
  services: Services,
  tenantId: string,
  webhookId: string,
): Promise<TestDeliveryReport> {
  const webhook = await requireWebhook(services, tenantId, webhookId);
  const event = buildTestEvent(tenantId, webhook.brandId, () => services.newId('evt'), services.clock.now());
  // The same signing and sending as a real delivery, but no slot or circuit: an admin's explicit test
  // always reaches the endpoint, and its outcome is not the delivery path's evidence.
  const { outcome } = await attemptDelivery(services, webhook, event);
  return {
    delivered: outcome.isSuccess,
    ...(outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}),
    durationMs: outcome.durationMs,
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
  };
}
