/** How stored records are shown over the API: never a secret, never an internal field. */
import { toPublicAuthentication } from '#domain/auth-kinds/registry';
import { type FailureLog, orderingOf, type RejectedEvent, type StoredWebhook } from '#domain/model';
import type { PublicWebhook } from '#domain/webhook-schema';

// One shape for what the API returns and what the OpenAPI document declares: the schema's.
export type { PublicWebhook };

/** The public view of a stored webhook; `health` where the route reads it (GET one and the list). */
export function toPublicWebhook(webhook: StoredWebhook, health?: PublicWebhook['health']): PublicWebhook {
  const view: PublicWebhook = {
    id: webhook.id,
    name: webhook.name,
    description: webhook.description,
    brandId: webhook.brandId,
    events: [...webhook.events],
    url: webhook.url,
    status: webhook.status,
    authentication: webhook.authentication ? toPublicAuthentication(webhook.authentication) : null,
    signing: { enabled: webhook.signing.enabled },
    headers: publicHeaders(webhook.headers),
    ordering: orderingOf(webhook),
    createdAt: webhook.createdAt,
    updatedAt: webhook.updatedAt,
  };
  if (webhook.disabledReason) view.disabledReason = webhook.disabledReason;
  if (health) view.health = health;
  return view;
}

/** Custom headers as responses show them: a secret one by its name only (docs/contract.md#secret-headers). */
export function publicHeaders(headers: StoredWebhook['headers']): PublicWebhook['headers'] {
  // fromEntries defines keys, so a stored header named `__proto__` stays a header.
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : ({ secret: true } as const),
    ]),
  );
}

/** A failure log as the list route shows it (without the stored event body). */
export function toFailureLogSummary(failureLog: FailureLog): Omit<FailureLog, 'event' | 'tenantId'> {
  const { event: _event, tenantId: _tenantId, ...summary } = failureLog;
  return summary;
}

/** A failure log in full, with the event that was sent. */
export function toFailureLogDetail(failureLog: FailureLog): Omit<FailureLog, 'tenantId'> {
  const { tenantId: _tenantId, ...detail } = failureLog;
  return detail;
}

/** A rejected event as ops read it. */
export function toRejectedEventView(event: RejectedEvent): RejectedEvent {
  return { ...event };
}
