/**
 * Webhook health: remembers since when a webhook has been failing and deactivates it once it has
 * failed continuously, without a single success, for the delivery policy's `autoDisableAfterMs`, or
 * at once when its endpoint answers 410 Gone (docs/contract.md#deliveries, #isolation).
 *
 * The failing period lives on the webhook's health item (docs/decisions/0003-where-health-lives.md),
 * written by conditional updates of its own attributes: the webhook record is written only to
 * deactivate it, so health never bumps the webhook's version (nor its credentials cache) and never
 * races an admin's edit. Each conditional write is the claim on its step (a threshold's notice, the
 * period's end), so exactly one writer publishes each notice across processes and restarts.
 */

import type { DeliveryPolicy } from '#domain/delivery-policy';
import { DAY_MS } from '#domain/durations';
import { ConflictError } from '#domain/errors';
import type { DeliveryAttempt, StoredWebhook } from '#domain/model';
import type { FailingPeriod, FailingPeriodState } from '#domain/ports';
import { describeError, MetricUnit, metrics, withCorrelation } from '#observability';
import type { Services } from './services';

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

/** How long a health item written here lives without another write (as the counters' flush sets it). */
const HEALTH_ITEM_TTL_MS = 30 * DAY_MS;
/**
 * How long a process trusts its own view of a webhook's failing period on the success path, where
 * reading it on every success would cost a read per delivery. A success a stale view misses still
 * ends the period: the counters record it as `lastSucceededAt`, which the failure path and the API
 * read (see isOver).
 */
const PERIOD_VIEW_TTL_MS = 60_000;

/** The failing period as one process last saw it, per webhook. */
type PeriodViews = Map<string, { period: FailingPeriod | undefined; seenAtMs: number }>;
const periodViews = new WeakMap<object, PeriodViews>();

function viewsOf(services: object): PeriodViews {
  let views = periodViews.get(services);
  if (!views) {
    views = new Map();
    periodViews.set(services, views);
  }
  return views;
}

const viewKey = (webhook: Pick<StoredWebhook, 'tenantId' | 'id'>) => `${webhook.tenantId}/${webhook.id}`;

/** Whether a success recorded after the period began has ended it (whoever has not cleared it yet). */
export function isOver(state: {
  period?: Pick<FailingPeriod, 'failingSince'> | undefined;
  lastSucceededAt?: string | undefined;
}): boolean {
  return (
    state.period !== undefined &&
    state.lastSucceededAt !== undefined &&
    state.lastSucceededAt >= state.period.failingSince
  );
}

/** The period still open: none when there is none or a later success ended it. */
function openPeriod(state: FailingPeriodState): FailingPeriod | undefined {
  return isOver(state) ? undefined : state.period;
}

async function readPeriod(
  services: Pick<Services, 'clock' | 'webhookHealth'>,
  webhook: StoredWebhook,
): Promise<FailingPeriodState | undefined> {
  try {
    const state = await services.webhookHealth.failingPeriod(webhook.tenantId, webhook.id);
    viewsOf(services).set(viewKey(webhook), {
      period: state.period,
      seenAtMs: services.clock.now().getTime(),
    });
    return state;
  } catch (error) {
    withCorrelation({ tenantId: webhook.tenantId, webhookId: webhook.id }).warn(
      "could not read the webhook's failing period",
      { error: describeError(error) },
    );
    return undefined;
  }
}

/**
 * Replaces the stored period `expected` by `next` (one conditional update); false when another writer
 * changed it first or the write failed (logged).
 */
async function replacePeriod(
  services: Pick<Services, 'clock' | 'webhookHealth'>,
  webhook: StoredWebhook,
  expected: FailingPeriod | undefined,
  next: FailingPeriod | undefined,
): Promise<boolean> {
  try {
    const isWritten = await services.webhookHealth.replaceFailingPeriod(
      webhook.tenantId,
      webhook.id,
      { expected, next },
      new Date(services.clock.now().getTime() + HEALTH_ITEM_TTL_MS),
    );
    if (isWritten) {
      viewsOf(services).set(viewKey(webhook), { period: next, seenAtMs: services.clock.now().getTime() });
    }
    return isWritten;
  } catch (error) {
    withCorrelation({ tenantId: webhook.tenantId, webhookId: webhook.id }).warn(
      'could not update webhook health',
      { error: describeError(error) },
    );
    return false;
  }
}

/**
 * Forgets the webhook's failing period (an admin re-activated it: it starts afresh); never throws,
 * as the activation itself is already written.
 */
export async function forgetFailingPeriod(
  services: Pick<Services, 'clock' | 'webhookHealth'>,
  tenantId: string,
  webhookId: string,
): Promise<void> {
  try {
    await services.webhookHealth.replaceFailingPeriod(
      tenantId,
      webhookId,
      { expected: 'any', next: undefined },
      new Date(services.clock.now().getTime() + HEALTH_ITEM_TTL_MS),
    );
  } catch (error) {
    withCorrelation({ tenantId, webhookId }).warn('could not forget the failing period', {
      error: describeError(error),
    });
  }
}

/**
 * Ends the failing period after a successful delivery; never throws (health must not fail a
 * delivery). When a `webhook.failing` notice went out for the period, the writer that ends it
 * publishes `webhook.recovered` (a blip nobody was told about ends without a notice).
 */
export async function recordDeliverySuccess(
  services: Pick<Services, 'clock' | 'notices' | 'webhookHealth'>,
  webhook: StoredWebhook,
): Promise<void> {
  const view = viewsOf(services).get(viewKey(webhook));
  const isFresh = view !== undefined && services.clock.now().getTime() - view.seenAtMs < PERIOD_VIEW_TTL_MS;
  let period = isFresh ? view.period : (await readPeriod(services, webhook))?.period;
  for (let write = 0; write < 2 && period; write++) {
    if (await replacePeriod(services, webhook, period, undefined)) {
      if (period.failingNoticeHours) {
        await publishHealthNotice(services, webhook, period, {
          type: 'webhook.recovered',
          at: services.clock.now().toISOString(),
        });
      }
      return;
    }
    period = (await readPeriod(services, webhook))?.period;
  }
}

async function publishHealthNotice(
  services: Pick<Services, 'notices'>,
  webhook: StoredWebhook,
  period: FailingPeriod,
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
      failingSince: period.failingSince,
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
 * than maxEvidenceGapMs. A deactivation publishes `webhook.disabled`. Never throws. Reads the period
 * (one strongly consistent read) and writes it only when something changes: a new period, stale
 * evidence, a threshold reached, or its end.
 */
export async function recordDeliveryFailure(
  services: Pick<Services, 'clock' | 'deliveryPolicy' | 'notices' | 'webhookHealth' | 'webhooks'>,
  webhook: StoredWebhook,
  failedAt: Date,
  attempt?: Pick<DeliveryAttempt, 'statusCode' | 'error'>,
): Promise<FailureVerdict> {
  const disableAfterMs = services.deliveryPolicy.autoDisableAfterMs;
  const gapMs = maxEvidenceGapMs(services.deliveryPolicy);
  const failedAtMs = failedAt.getTime();
  const at = failedAt.toISOString();
  const isGone = attempt?.statusCode === 410;
  const seenAtMs = (period: FailingPeriod) => Date.parse(period.failureSeenAt ?? period.failingSince);
  const isPeriodBroken = (period: FailingPeriod | undefined): period is undefined =>
    period === undefined || !(failedAtMs - seenAtMs(period) <= gapMs);
  const isDue = (period: FailingPeriod | undefined) =>
    !isPeriodBroken(period) && failedAtMs - Date.parse(period.failingSince) >= disableAfterMs;
  // Evidence is refreshed twice per gap, so a steadily failing webhook costs few writes.
  const isEvidenceStale = (period: FailingPeriod) => failedAtMs - seenAtMs(period) > gapMs / 2;
  // A threshold of continuous failure not yet announced for this period.
  const noticeDue = (period: FailingPeriod | undefined) =>
    !isPeriodBroken(period) &&
    failingThresholdReached(period.failingSince, failedAtMs) > (period.failingNoticeHours ?? 0);
  if (webhook.status !== 'active') return { isDeactivated: false };

  let state = await readPeriod(services, webhook);
  for (let write = 0; write < 2 && state; write++) {
    const stored = state.period;
    const period = openPeriod(state);
    // A period a success ended but nobody cleared: its notices' recovery is announced by whoever replaces it.
    const ended = isOver(state) ? stored : undefined;
    let next: FailingPeriod | undefined;
    let failingNotice: number | undefined;
    let disabledReason: string | undefined;
    if (isGone) {
      disabledReason = `The endpoint answered 410 Gone at ${at}; deliveries stopped as the Standard Webhooks specification asks`;
    } else if (isDue(period)) {
      disabledReason = `Deliveries failed without a single success since ${period?.failingSince}`;
    } else if (isPeriodBroken(period)) {
      next = { failingSince: at, failureSeenAt: at };
    } else if (noticeDue(period)) {
      failingNotice = failingThresholdReached(period.failingSince, failedAtMs);
      next = { ...period, failureSeenAt: at, failingNoticeHours: failingNotice };
    } else if (isEvidenceStale(period)) {
      next = { ...period, failureSeenAt: at };
    } else {
      return { isDeactivated: false };
    }
    // The failing period ends with the deactivation, so a re-activated webhook gets a fresh one.
    if (!(await replacePeriod(services, webhook, stored, next))) {
      state = await readPeriod(services, webhook);
      continue;
    }
    if (ended?.failingNoticeHours) {
      await publishHealthNotice(services, webhook, ended, { type: 'webhook.recovered', at });
    }
    if (failingNotice !== undefined && next) {
      await publishHealthNotice(services, webhook, next, {
        type: 'webhook.failing',
        at,
        failingForHours: failingNotice,
        ...(attempt?.error
          ? { lastError: attempt.error }
          : attempt?.statusCode
            ? { lastError: `HTTP ${attempt.statusCode}` }
            : {}),
      });
    }
    if (disabledReason === undefined) return { isDeactivated: false };
    return deactivate(services, webhook, { reason: disabledReason, at, isGone });
  }
  return { isDeactivated: false };
}

/**
 * Deactivates the webhook (the one health write on its record, with the version check: re-read once
 * on a conflict) and publishes `webhook.disabled`; not deactivated when it is no longer active.
 */
async function deactivate(
  services: Pick<Services, 'notices' | 'webhooks'>,
  webhook: StoredWebhook,
  deactivation: { reason: string; at: string; isGone: boolean },
): Promise<FailureVerdict> {
  const { reason, at, isGone } = deactivation;
  const webhookLogger = withCorrelation({ tenantId: webhook.tenantId, webhookId: webhook.id });
  let current: StoredWebhook | undefined = webhook;
  let written: StoredWebhook | undefined;
  for (let write = 0; write < 2 && current?.status === 'active' && !written; write++) {
    const next: StoredWebhook = {
      ...current,
      status: 'inactive',
      disabledReason: reason,
      updatedAt: at,
      version: current.version + 1,
    };
    try {
      await services.webhooks.update(next, current.version);
      written = next;
    } catch (error) {
      if (!(error instanceof ConflictError) || write > 0) {
        webhookLogger.warn('could not deactivate the webhook', { error: describeError(error) });
        return { isDeactivated: false };
      }
      current = await readFresh(services, webhook);
    }
  }
  if (!written) return { isDeactivated: false };
  webhookLogger.warn(
    isGone
      ? 'webhook deactivated: the endpoint answered 410 Gone'
      : 'webhook deactivated after failing too long',
    { disabledReason: reason },
  );
  metrics.addMetric(isGone ? 'WebhooksDisabledByGone' : 'WebhooksAutoDisabled', MetricUnit.Count, 1);
  try {
    await services.notices.webhookDisabled({
      tenantId: written.tenantId,
      webhookId: written.id,
      reason,
      at,
    });
  } catch (error) {
    webhookLogger.error('could not publish the webhook-disabled notice', { error: describeError(error) });
  }
  return { isDeactivated: true };
}

async function readFresh(
  services: Pick<Services, 'webhooks'>,
  webhook: StoredWebhook,
): Promise<StoredWebhook | undefined> {
  try {
    return await services.webhooks.get(webhook.tenantId, webhook.id);
  } catch (error) {
    withCorrelation({ tenantId: webhook.tenantId, webhookId: webhook.id }).warn('could not re-read webhook', {
      error: describeError(error),
    });
    return undefined;
  }
}
