/** The admin use cases for failure logs: list, read, redeliver (SPEC section 6). */
import { NotFoundError, WebhookInactiveError } from '#domain/errors';
import type { FailureLog, Page, PageKey } from '#domain/model';
import type { Services } from './services';

/** A page of the tenant's failure logs, newest first, optionally for one webhook. */
export function listFailureLogs(
  services: Services,
  tenantId: string,
  query: { webhookId?: string; limit: number; startKey?: PageKey },
): Promise<Page<FailureLog>> {
  return services.failureLogs.list(tenantId, query);
}

/** One failure log with every attempt. */
export async function getFailureLog(
  services: Services,
  tenantId: string,
  failureLogId: string,
): Promise<FailureLog> {
  const log = await services.failureLogs.get(tenantId, failureLogId);
  if (!log) throw new NotFoundError(`No failure log ${failureLogId} in this tenant`);
  return log;
}

/**
 * Enqueues the failed delivery again with a fresh retry schedule. The webhook must still exist
 * (404) and be active (409 webhook_inactive); the delivery step re-checks both, as for any delivery,
 * in case it is deactivated meanwhile.
 */
export async function redeliverFailureLog(
  services: Services,
  tenantId: string,
  failureLogId: string,
): Promise<{ failureLogId: string; webhookId: string; eventId: string }> {
  const log = await getFailureLog(services, tenantId, failureLogId);
  const webhook = await services.webhooks.get(tenantId, log.webhookId);
  if (!webhook) throw new NotFoundError(`Webhook ${log.webhookId} of this failure log no longer exists`);
  if (webhook.status !== 'active') {
    throw new WebhookInactiveError(
      `Webhook ${log.webhookId} is inactive: activate it (POST /v1/webhooks/${log.webhookId}/activate) before redelivering`,
    );
  }
  await services.deliveryQueue.enqueue([
    { tenantId, webhookId: log.webhookId, event: log.event, attempts: [], redeliveryOf: log.id },
  ]);
  return { failureLogId: log.id, webhookId: log.webhookId, eventId: log.eventId };
}
