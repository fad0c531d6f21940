/**
 * Webhook health: remembers since when a webhook has been failing and deactivates it once it has
 * failed continuously, without a single success, for the delivery policy's `autoDisableAfterMs`, or
 * at once when its endpoint answers 410 Gone (docs/contract.md#deliveries, #isolation).
 */

import type { DeliveryPolicy } from '#domain/delivery-policy';
import { ConflictError } from '#domain/errors';
import type { DeliveryAttempt, StoredWebhook } from '#domain/model';
import { describeError, MetricUnit, metrics, withCorrelation } from '#observability';
import type { Services } from './services';

/** What to change on a webhook, or null when it is already as it should be. */
type HealthChange = (current: StoredWebhook) => StoredWebhook | null;

/**
 * Hours of continuous failure at which `webhook.failing` is published, once each per failing period.
 * Fewer than every failure: a receiver restarting for a minute should not page anyone.
 */
export const FAILING_NOTICE_HOURS = [1, 24, 72] as const;
const HOUR_MS = 3_600_000;

/** The largest threshold a failing period that began at `failingSince` has reached by `atMs` (0: none). */
export function failingThresholdReached(failingSince: string | undefined, atMs: number): number {
  if (failingSince === undefined) return 0;
  const hours = (atMs - Date.parse(failingSince)) / HOUR_MS;
  return FAILING_NOTICE_HOURS.filter((threshold) => hours >= threshold).at(-1) ?? 0;
}

/**
 * Clears `failingSince` after a successful delivery; never throws (health must not fail a delivery).
 * When a `webhook.failing` notice went out for the period, the writer that clears it publishes
 * `webhook.recovered` (a blip nobody was told about ends without a notice).
 */
export async function recordDeliverySuccess(
  services: Pick<Services, 'clock' | 'notices' | 'webhooks'>,
  webhook: StoredWebhook,
): Promise<void> {
  if (webhook.failingSince === undefined) return;
  let ended: StoredWebhook | undefined;
  await applyHealthChange(services, webhook, (current) => {
    ended = undefined;
    if (current.failingSince === undefined) return null;
    ended = current;
    const { failingSince: _cleared, failureSeenAt: _seen, failingNoticeHours: _noticed, ...rest } = current;
    return { ...rest, version: current.version + 1 };
  });
  const period = ended as StoredWebhook | undefined;
  if (period?.failingNoticeHours && period.failingSince) {
    await publishHealthNotice(services, period, {
      type: 'webhook.recovered',
      at: services.clock.now().toISOString(),
    });
  }
}

async function publishHealthNotice(
  services: Pick<Services, 'notices'>,
  webhook: StoredWebhook,
  notice: {
    type: 'webhook.failing' | 'webhook.recovered';
    at: string;
    failingForHours?: number;
    lastError?: string;
  },
): Promise<void> {
  try {
    await services.notices.webhookHealthNotice({
      ...notice,
      tenantId: webhook.tenantId,
      webhookId: webhook.id,
      webhookName: webhook.name,
      failingSince: webhook.failingSince ?? notice.at,
      consolePath: `/webhooks/${encodeURIComponent(webhook.id)}`,
    });
  } catch (error) {
    withCorrelation({ tenantId: webhook.tenantId, webhookId: webhook.id }).error(
      `could not publish the ${notice.type} notice`,
      { error: describeError(error) },
    );
  }
}

/**
 * The longest silence between two failed attempts that still counts as one continuous failing period:
 * the longest retry delay (plus the ±20 % spread and an attempt timeout on either side). Any webhook
 * failing all the time is tried at least that often by its own retries; a longer silence means there is
 * no evidence either way, so the period starts again (docs/contract.md#isolation: not two failures far apart).
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
  services: Pick<Services, 'deliveryPolicy' | 'notices' | 'webhooks'>,
  webhook: StoredWebhook,
  failedAt: Date,
  attempt?: Pick<DeliveryAttempt, 'statusCode' | 'error'>,
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
  // A threshold of continuous failure not yet announced for this period.
  const noticeDue = (current: StoredWebhook) =>
    !isPeriodBroken(current) &&
    failingThresholdReached(current.failingSince, failedAtMs) > (current.failingNoticeHours ?? 0);
  if (
    !isGone &&
    !isPeriodBroken(webhook) &&
    !isDue(webhook) &&
    !isEvidenceStale(webhook) &&
    !noticeDue(webhook)
  ) {
    return { isDeactivated: false };
  }

  let disabledReason: string | undefined;
  let failingNotice: number | undefined;
  const written = await applyHealthChange(services, webhook, (current) => {
    disabledReason = undefined;
    failingNotice = undefined;
    if (current.status !== 'active') return null;
    const at = failedAt.toISOString();
    if (!isGone && !isDue(current) && noticeDue(current)) {
      // The version check makes this write the one claim on the threshold: only its winner publishes.
      failingNotice = failingThresholdReached(current.failingSince, failedAtMs);
      return {
        ...current,
        failureSeenAt: at,
        failingNoticeHours: failingNotice,
        version: current.version + 1,
      };
    }
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
    const { failingSince: _ended, failureSeenAt: _seen, failingNoticeHours: _noticed, ...rest } = current;
    return { ...rest, status: 'inactive', disabledReason, updatedAt: at, version: current.version + 1 };
  });
  if (written && failingNotice !== undefined) {
    await publishHealthNotice(services, written, {
      type: 'webhook.failing',
      at: failedAt.toISOString(),
      failingForHours: failingNotice,
      ...(attempt?.error
        ? { lastError: attempt.error }
        : attempt?.statusCode
          ? { lastError: `HTTP ${attempt.statusCode}` }
          : {}),
    });
  }
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
  services: Pick<Services, 'webhooks'>,
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

async function readFresh(
  services: Pick<Services, 'webhooks'>,
  webhook: StoredWebhook,
): Promise<StoredWebhook | undefined> {
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
