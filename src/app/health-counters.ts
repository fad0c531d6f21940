/**
 * Webhook health counters (docs/contract.md#admin-api, `health`), kept cheap: each process adds its attempts up
 * per webhook and hour, and writes them to the webhook's health item at most once per
 * HEALTH_FLUSH_INTERVAL_MS, except that a change of outcome (success after failure or the reverse) is
 * written at once, so `lastOutcome` and `lastStatusCode` turn within one write of the attempt.
 * Write cost: at most one UpdateItem per webhook per interval per process, plus one per outcome change;
 * under load a small fraction of a write per delivery, at one delivery per interval one write each.
 * What a process has not yet written (at most one interval's counts) is lost if it is killed.
 */
import { LATENCY_BOUNDS_MS, latencyBucket } from '#domain/delivery-stats';
import { DAY_MS } from '#domain/durations';
import type { HealthCounters } from '#domain/ports';
import { describeError, withCorrelation } from '#observability';
import type { Services } from './services';
import { isOver } from './webhook-health';

/** How long a process may hold a webhook's counts before writing them. */
export const HEALTH_FLUSH_INTERVAL_MS = 10_000;
const HOUR_MS = 3_600_000;
/** A health item outlives the 24 h window by far, so `lastAttemptAt` survives a quiet week. */
const HEALTH_ITEM_TTL_DAYS = 30;

type Outcome = 'succeeded' | 'failed';

interface PendingHealth {
  tenantId: string;
  webhookId: string;
  counts: Map<number, { succeeded: number; failed: number; latency: number[] }>;
  last?: { at: string; statusCode?: number; outcome: Outcome };
  /** The latest success among the pending attempts: it ends a failing period that began before it. */
  lastSucceededAt?: string;
  timer?: ReturnType<typeof setTimeout>;
}

class HealthRecorder {
  readonly #pending = new Map<string, PendingHealth>();
  readonly #lastFlushAt = new Map<string, number>();
  readonly #lastOutcome = new Map<string, Outcome>();

  constructor(private readonly services: Pick<Services, 'webhookHealth'>) {}

  async note(
    tenantId: string,
    webhookId: string,
    attempt: { at: string; statusCode?: number; outcome: Outcome; durationMs?: number },
  ): Promise<void> {
    const key = `${tenantId}/${webhookId}`;
    const pending: PendingHealth = this.#pending.get(key) ?? { tenantId, webhookId, counts: new Map() };
    this.#pending.set(key, pending);
    const hour = Math.floor(Date.parse(attempt.at) / HOUR_MS);
    const bucket = pending.counts.get(hour) ?? {
      succeeded: 0,
      failed: 0,
      latency: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0),
    };
    bucket[attempt.outcome] += 1;
    if (attempt.durationMs !== undefined) {
      const index = latencyBucket(attempt.durationMs);
      bucket.latency[index] = (bucket.latency[index] ?? 0) + 1;
    }
    pending.counts.set(hour, bucket);
    const { durationMs: _duration, ...last } = attempt;
    if (!pending.last || pending.last.at <= attempt.at) pending.last = last;
    if (
      attempt.outcome === 'succeeded' &&
      (pending.lastSucceededAt === undefined || pending.lastSucceededAt < attempt.at)
    ) {
      pending.lastSucceededAt = attempt.at;
    }

    const nowMs = Date.now();
    const sinceFlushMs = nowMs - (this.#lastFlushAt.get(key) ?? Number.NEGATIVE_INFINITY);
    const isOutcomeChange = this.#lastOutcome.get(key) !== attempt.outcome;
    if (isOutcomeChange || sinceFlushMs >= HEALTH_FLUSH_INTERVAL_MS) {
      await this.flush(key);
    } else if (!pending.timer) {
      pending.timer = setTimeout(() => void this.flush(key), HEALTH_FLUSH_INTERVAL_MS - sinceFlushMs);
      // A pending write never keeps a process (or a test) alive.
      pending.timer.unref?.();
    }
  }

  async flush(key: string): Promise<void> {
    const pending = this.#pending.get(key);
    if (!pending?.last) return;
    this.#pending.delete(key);
    if (pending.timer) clearTimeout(pending.timer);
    this.#lastFlushAt.set(key, Date.now());
    this.#lastOutcome.set(key, pending.last.outcome);
    const counts = [...pending.counts].map(([hour, bucket]) => ({ hour, ...bucket }));
    try {
      await this.services.webhookHealth.add(
        pending.tenantId,
        pending.webhookId,
        {
          counts,
          last: pending.last,
          ...(pending.lastSucceededAt !== undefined ? { lastSucceededAt: pending.lastSucceededAt } : {}),
        },
        new Date(Date.now() + HEALTH_ITEM_TTL_DAYS * DAY_MS),
      );
    } catch (error) {
      withCorrelation({ tenantId: pending.tenantId, webhookId: pending.webhookId }).warn(
        'could not write webhook health counters',
        { error: describeError(error) },
      );
    }
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.#pending.keys()].map((key) => this.flush(key)));
  }
}

const recorders = new WeakMap<Pick<Services, 'webhookHealth'>, HealthRecorder>();

function recorderOf(services: Pick<Services, 'webhookHealth'>): HealthRecorder {
  let recorder = recorders.get(services);
  if (!recorder) {
    recorder = new HealthRecorder(services);
    recorders.set(services, recorder);
  }
  return recorder;
}

/** Counts one attempt in its webhook's health (never throws: health must not fail a delivery). */
export function noteAttemptHealth(
  services: Pick<Services, 'webhookHealth'>,
  tenantId: string,
  webhookId: string,
  attempt: { at: string; statusCode?: number; outcome: Outcome; durationMs?: number },
): Promise<void> {
  return recorderOf(services).note(tenantId, webhookId, attempt);
}

/**
 * Notes in the webhook's health that this process's circuit for it opened until `openUntil`; never
 * throws. Each process (each Lambda environment, each local delivery thread) has its own circuits in
 * memory; what the health item keeps is the latest opening any of them noted, which is what the API
 * shows while it lasts and no success came after it (see readWebhookHealth).
 */
export async function noteCircuitOpened(
  services: Pick<Services, 'webhookHealth'>,
  tenantId: string,
  webhookId: string,
  openUntil: Date,
): Promise<void> {
  try {
    await services.webhookHealth.noteCircuitOpen(
      tenantId,
      webhookId,
      openUntil.toISOString(),
      new Date(Date.now() + HEALTH_ITEM_TTL_DAYS * DAY_MS),
    );
  } catch (error) {
    withCorrelation({ tenantId, webhookId }).warn('could not note the open circuit in webhook health', {
      error: describeError(error),
    });
  }
}

/** Writes every count this process still holds (tests, and a process about to stop). */
export function flushHealthCounters(services: Pick<Services, 'webhookHealth'>): Promise<void> {
  return recorderOf(services).flushAll();
}

/**
 * The API's `health` of one webhook: the counters, `failingSince` while its failing period is open
 * (no success recorded since it began), and `circuitOpenUntil` only while it lies ahead and the latest
 * attempt (of any process) did not succeed: a success since means the endpoint answers again, and
 * every circuit closes on its next probe.
 */
export type WebhookHealthView = Omit<HealthCounters, 'lastSucceededAt'>;

/**
 * Health of each webhook, read beside the webhook (one BatchGetItem for a page); never throws: a
 * webhook reads without health rather than not at all.
 */
export async function readWebhookHealth(
  services: Pick<Services, 'clock' | 'webhookHealth'>,
  tenantId: string,
  webhooks: { id: string }[],
): Promise<Map<string, WebhookHealthView>> {
  let counters = new Map<string, HealthCounters>();
  const now = services.clock.now();
  try {
    if (webhooks.length > 0) {
      counters = await services.webhookHealth.get(
        tenantId,
        webhooks.map((webhook) => webhook.id),
        now,
      );
    }
  } catch (error) {
    withCorrelation({ tenantId }).warn('could not read webhook health', { error: describeError(error) });
  }
  return new Map(
    webhooks.map((webhook) => [
      webhook.id,
      withOpenPeriod(withLiveCircuit(counters.get(webhook.id) ?? { succeeded24h: 0, failed24h: 0 }, now)),
    ]),
  );
}

/** The counters with `failingSince` only while no success recorded since ended the period. */
function withOpenPeriod(counters: HealthCounters): WebhookHealthView {
  const { failingSince, lastSucceededAt, ...rest } = counters;
  const isOpen = failingSince !== undefined && !isOver({ period: { failingSince }, lastSucceededAt });
  return isOpen ? { ...rest, failingSince } : rest;
}

/** The counters without a circuit opening that has ended or that a later success overtook. */
function withLiveCircuit(counters: HealthCounters, now: Date): HealthCounters {
  const { circuitOpenUntil, ...rest } = counters;
  const isLive =
    circuitOpenUntil !== undefined &&
    Date.parse(circuitOpenUntil) > now.getTime() &&
    counters.lastOutcome !== 'succeeded';
  return isLive ? { ...rest, circuitOpenUntil } : rest;
}
