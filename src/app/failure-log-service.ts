/** The admin use cases for failure logs: list, read, redeliver (docs/contract.md#deliveries). */
import { NotFoundError, WebhookInactiveError } from '#domain/errors';
import type { FailureLog, Page, PageKey } from '#domain/model';
import { withRedeliveryOrdering } from '#domain/ordering';
import type { Services } from './services';

/** A page of the tenant's failure logs, newest first, optionally for one webhook. */
export function listFailureLogs(
  services: Pick<Services, 'failureLogs'>,
  tenantId: string,
  query: { webhookId?: string; limit: number; startKey?: PageKey },
): Promise<Page<FailureLog>> {
  return services.failureLogs.list(tenantId, query);
}

/** One failure log with every attempt. */
export async function getFailureLog(
  services: Pick<Services, 'failureLogs'>,
  tenantId: string,
  failureLogId: string,
): Promise<FailureLog> {
  const failureLog = await services.failureLogs.get(tenantId, failureLogId);
  if (!failureLog) throw new NotFoundError(`No failure log ${failureLogId} in this tenant`);
  return failureLog;
}

/**
 * Enqueues the failed delivery again with a fresh retry schedule. The webhook must still exist
 * (404) and be active (409 webhook_inactive); the delivery step re-checks both, as for any delivery,
 * in case it is deactivated meanwhile.
 */
export async function redeliverFailureLog(
  services: Pick<Services, 'deliveryQueue' | 'failureLogs' | 'newId' | 'webhooks'>,
  tenantId: string,
  failureLogId: string,
): Promise<{ failureLogId: string; webhookId: string; eventId: string }> {
  const failureLog = await getFailureLog(services, tenantId, failureLogId);
  const webhook = await services.webhooks.get(tenantId, failureLog.webhookId);
  if (!webhook)
    throw new NotFoundError(`Webhook ${failureLog.webhookId} of this failure log no longer exists`);
  if (webhook.status !== 'active') {
    throw new WebhookInactiveError(
      `Webhook ${failureLog.webhookId} is inactive: activate it (POST /v1/webhooks/${failureLog.webhookId}/activate) before redelivering`,
    );
  }
  await services.deliveryQueue.enqueue([
    withRedeliveryOrdering(
      webhook,
      {
        tenantId,
        webhookId: failureLog.webhookId,
        event: failureLog.event,
        attempts: [],
        // Linked to the delivery it repeats, so its record reads "resend of" that delivery; a failure log
        // written without a delivery record (the log off, or its write lost) is the only original there is.
        redeliveryOf: failureLog.deliveryId ?? failureLog.id,
      },
      services.newId('rdl'),
    ),
  ]);
  return { failureLogId: failureLog.id, webhookId: failureLog.webhookId, eventId: failureLog.eventId };
}
