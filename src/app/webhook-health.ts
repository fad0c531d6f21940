/**
 * Webhook health: remembers since when a webhook has been failing and deactivates it once it has
 * failed continuously, without a single success, for the delivery policy's `autoDisableAfterMs`, or
 * at once when its endpoint answers 410 Gone (SPEC sections 6 and 6.2).
 */

import type { DeliveryPolicy } from '#domain/delivery-policy';
import { ConflictError } from '#domain/errors';
import type { DeliveryAttempt, StoredWebhook } from '#domain/model';
import { describeError, MetricUnit, metrics, withCorrelation } from '#observability';
import type { Services } from './services';

/** What to change on a webhook, or null when it is already as it should be. */
type HealthChange = (current: StoredWebhook) => StoredWebhook | null;

/** Clears `failingSince` after a successful delivery; never throws (health must not fail a delivery). */
export async function recordDeliverySuccess(services: Services, webhook: StoredWebhook): Promise<void> {
  if (webhook.failingSince === undefined) return;
  await applyHealthChange(services, webhook, (current) => {
    if (current.failingSince === undefined) return null;
    const { failingSince: _cleared, failureSeenAt: _seen, ...rest } = current;
    return { ...rest, version: current.version + 1 };
  });
}

/**
 * The longest silence between two failed attempts that still counts as one continuous failing period:
 * the longest retry delay (plus the ±20 % spread and an attempt timeout on either side). Any webhook
 * failing all the time is tried at least that often by its own retries; a longer silence means there is
 * no evidence either way, so the period starts again (SPEC 6.2: not two failures far apart).
 */
export function maxEvidenceGapMs(
  policy: Pick<DeliveryPolicy, 'retryScheduleSeconds' | 'attemptTimeoutMs'>,
): number {
  const longestDelaySeconds = Math.max(0, ...policy.retryScheduleSeconds);
  return Math.ceil(longestDelaySeconds * 1000 * 1.25) + 2 * policy.attemptTimeoutMs;
}

/** Whether a failed attempt deactivated the webhook (its delivery then goes to the DLQ, not to a retry). */
export interface FailureVerdict {
  isDeactivated: boolean;
}

/**
 * Notes a failed attempt. A `410 Gone` deactivates the webhook at once (the Standard Webhooks
 * specification asks senders to stop); otherwise the attempt starts or continues the failing period,
 * and deactivates the webhook once the period has lasted `autoDisableAfterMs` with no silence longer
 * than maxEvidenceGapMs. A deactivation publishes `webhook.disabled`. Never throws.
 */
export async function recordDeliveryFailure(
  services: Services,
  webhook: StoredWebhook,
  failedAt: Date,
  attempt?: Pick<DeliveryAttempt, 'statusCode'>,
): Promise<FailureVerdict> {
  const disableAfterMs = services.deliveryPolicy.autoDisableAfterMs;
  const gapMs = maxEvidenceGapMs(services.deliveryPolicy);
  const failedAtMs = failedAt.getTime();
  const isGone = attempt?.statusCode === 410;
  const seenAtMs = (current: StoredWebhook) =>
    Date.parse(current.failureSeenAt ?? current.failingSince ?? '');
  const isPeriodBroken = (current: StoredWebhook) =>
    current.failingSince === undefined || !(failedAtMs - seenAtMs(current) <= gapMs);
  const isDue = (current: StoredWebhook) =>
    !isPeriodBroken(current) && failedAtMs - Date.parse(current.failingSince ?? '') >= disableAfterMs;
  // Evidence is refreshed twice per gap, so a steadily failing webhook costs few writes.
  const isEvidenceStale = (current: StoredWebhook) => failedAtMs - seenAtMs(current) > gapMs / 2;
  if (!isGone && !isPeriodBroken(webhook) && !isDue(webhook) && !isEvidenceStale(webhook)) {
    return { isDeactivated: false };
  }

  let disabledReason: string | undefined;
  const written = await applyHealthChange(services, webhook, (current) => {
    disabledReason = undefined;
    if (current.status !== 'active') return null;
    const at = failedAt.toISOString();
    if (isGone) {
      disabledReason = `The endpoint answered 410 Gone at ${at}; deliveries stopped as the Standard Webhooks specification asks`;
    } else if (isPeriodBroken(current)) {
      return { ...current, failingSince: at, failureSeenAt: at, version: current.version + 1 };
    } else if (isDue(current)) {
      disabledReason = `Deliveries failed without a single success since ${current.failingSince}`;
    } else if (isEvidenceStale(current)) {
      return { ...current, failureSeenAt: at, version: current.version + 1 };
    } else {
      return null;
    }
    // The failing period ends with the deactivation, so a re-activated webhook gets a fresh one.
    const { failingSince: _ended, failureSeenAt: _seen, ...rest } = current;
    return { ...rest, status: 'inactive', disabledReason, updatedAt: at, version: current.version + 1 };
  });
  if (!written || disabledReason === undefined) return { isDeactivated: false };

  const webhookLogger = withCorrelation({ tenantId: written.tenantId, webhookId: written.id });
  webhookLogger.warn(
    isGone
      ? 'webhook deactivated: the endpoint answered 410 Gone'
      : 'webhook deactivated after failing too long',
    {
      disabledReason,
    },
  );
  metrics.addMetric(isGone ? 'WebhooksDisabledByGone' : 'WebhooksAutoDisabled', MetricUnit.Count, 1);
  try {
    await services.notices.webhookDisabled({
      tenantId: written.tenantId,
      webhookId: written.id,
      reason: disabledReason,
      at: failedAt.toISOString(),
    });
  } catch (error) {
    webhookLogger.error('could not publish the webhook-disabled notice', { error: describeError(error) });
  }
  return { isDeactivated: true };
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
  for (let write = 0; write < 2 && current; write++) {
    const next = change(current);
    if (!next) return undefined;
    try {
      await services.webhooks.update(next, current.version);
      return next;
    } catch (error) {
      if (!(error instanceof ConflictError) || write > 0) {
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
