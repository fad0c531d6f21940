/** `POST /v1/webhooks/{id}/test`: one `webhook.test` delivery now, reported, never retried. */
import { buildDeliveryRequest } from '#domain/delivery-request';
import { buildTestEvent } from '#domain/event-catalogue';
import { loadDeliveryCredentials } from './credentials';
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
  const attemptAt = services.clock.now();
  const event = buildTestEvent(tenantId, webhook.brandId, () => services.newId('evt'), attemptAt);
  const request = buildDeliveryRequest({
    event,
    webhook,
    credentials: await loadDeliveryCredentials(services, webhook),
    attemptAt,
    userAgent: `chat-webhooks/${services.config.SERVICE_VERSION}`,
  });
  const outcome = await services.sender.send(request, { timeoutMs: services.config.DELIVERY_TIMEOUT_MS });
  return {
    delivered: outcome.isSuccess,
    ...(outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}),
    durationMs: outcome.durationMs,
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
  };
}
