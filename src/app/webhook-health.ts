/**
 * Webhook health: remembers since when a webhook has been failing and deactivates it once it has
 * failed without a single success for AUTO_DISABLE_AFTER_DAYS (SPEC section 6).
 */
import { ConflictError } from '#domain/errors';
import type { StoredWebhook } from '#domain/model';
import { describeError, MetricUnit, metrics, withCorrelation } from '#observability';
import type { Services } from './services';

const DAY_MS = 86_400_000;

/** What to change on a webhook, or null when it is already as it should be. */
type HealthChange = (current: StoredWebhook) => StoredWebhook | null;

/** Clears `failingSince` after a successful delivery; never throws (health must not fail a delivery). */
export async function recordDeliverySuccess(services: Services, webhook: StoredWebhook): Promise<void> {
  if (webhook.failingSince === undefined) return;
  await applyHealthChange(services, webhook, (current) => {
    if (current.failingSince === undefined) return null;
    const { failingSince: _cleared, ...rest } = current;
    return { ...rest, version: current.version + 1 };
  });
}

/**
 * Notes a failed attempt: starts the failing period, or deactivates the webhook when the period has
 * lasted AUTO_DISABLE_AFTER_DAYS, then publishes a notice. Never throws.
 */
export async function recordDeliveryFailure(
  services: Services,
  webhook: StoredWebhook,
  failedAt: Date,
): Promise<void> {
  const disableAfterMs = services.config.AUTO_DISABLE_AFTER_DAYS * DAY_MS;
  const isDue = (current: StoredWebhook) =>
    current.failingSince !== undefined &&
    failedAt.getTime() - Date.parse(current.failingSince) >= disableAfterMs;
  if (webhook.failingSince !== undefined && !isDue(webhook)) return;

  let disabledReason: string | undefined;
  const written = await applyHealthChange(services, webhook, (current) => {
    disabledReason = undefined;
    if (current.status !== 'active') return null;
    if (current.failingSince === undefined) {
      return { ...current, failingSince: failedAt.toISOString(), version: current.version + 1 };
    }
    if (!isDue(current)) return null;
    disabledReason = `Deliveries failed without a single success since ${current.failingSince}`;
    // The failing period ends with the deactivation, so a re-activated webhook gets a fresh one.
    const { failingSince: _ended, ...rest } = current;
    return {
      ...rest,
      status: 'inactive',
      disabledReason,
      updatedAt: failedAt.toISOString(),
      version: current.version + 1,
    };
  });
  if (!written || disabledReason === undefined) return;

  const log = withCorrelation({ tenantId: written.tenantId, webhookId: written.id });
  log.warn('webhook deactivated after failing too long', { disabledReason });
  metrics.addMetric('WebhooksAutoDisabled', MetricUnit.Count, 1);
  try {
    await services.notices.webhookDisabled({
      tenantId: written.tenantId,
      webhookId: written.id,
      reason: disabledReason,
      at: failedAt.toISOString(),
    });
  } catch (error) {
    log.error('could not publish the webhook-disabled notice', { error: describeError(error) });
  }
}

/**
 * Applies `change` with the version check; on a conflict re-reads once and tries again. Returns the
 * webhook as written, or undefined when nothing was written.
 */
async function applyHealthChange(
  services: Services,
  webhook: StoredWebhook,
  change: HealthChange,
): Promise<StoredWebhook | undefined> {
  let current: StoredWebhook | undefined = webhook;
  for (let attempt = 0; attempt < 2 && current; attempt++) {
    const next = change(current);
    if (!next) return undefined;
    try {
      await services.webhooks.update(next, current.version);
      return next;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt > 0) {
        withCorrelation({ tenantId: webhook.tenantId, webhookId: webhook.id }).warn(
          'could not update webhook health',
          { error: describeError(error) },
        );
        return undefined;
      }
      current = await readFresh(services, webhook);
    }
  }
  return undefined;
}

async function readFresh(services: Services, webhook: StoredWebhook): Promise<StoredWebhook | undefined> {
  try {
    const fresh = await services.webhooks.get(webhook.tenantId, webhook.id);
    return fresh;
  } catch (error) {
    withCorrelation({ tenantId: webhook.tenantId, webhookId: webhook.id }).warn('could not re-read webhook', {
      error: describeError(error),
    });
    return undefined;
  }
}
