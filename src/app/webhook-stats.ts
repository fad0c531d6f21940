/**
 * `GET /v1/webhooks/{id}/stats`: deliveries per hour or day with latency percentiles, read from the
 * hourly counters the delivery step keeps beside the webhook's health (one Query of at most 745
 * small items; never the delivery records). Test sends are not counted: they go through
 * `/test`, not the delivery step, so the chart shows what the platform's events met.
 */
import {
  HOUR_MS,
  type StatsBucket,
  statsBuckets,
  statsQuerySchema,
  statsWindow,
} from '#domain/delivery-stats';
import { ValidationError } from '#domain/errors';
import { toFieldIssues } from '#domain/field-issues';
import type { Services } from './services';
import { requireWebhook } from './webhook-service';

/** The stats of one webhook of `tenantId`; 404 for another tenant's or an unknown id, 400 naming a bad field. */
export async function webhookStats(
  services: Pick<Services, 'clock' | 'webhookHealth' | 'webhooks'>,
  tenantId: string,
  webhookId: string,
  query: Record<string, string | undefined>,
): Promise<{ granularity: 'hour' | 'day'; buckets: StatsBucket[] }> {
  const parsed = statsQuerySchema.safeParse(
    Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined && value !== '')),
  );
  if (!parsed.success) {
    const details = toFieldIssues(parsed.error);
    throw new ValidationError(
      details[0] ? `${details[0].field}: ${details[0].message}` : 'Invalid query',
      details,
    );
  }
  await requireWebhook(services, tenantId, webhookId);
  const window = statsWindow(parsed.data, services.clock.now());
  if ('field' in window) {
    throw new ValidationError(`${window.field}: ${window.message}`, [window]);
  }
  const hours = await services.webhookHealth.stats(
    tenantId,
    webhookId,
    Math.floor(window.fromMs / HOUR_MS),
    Math.floor((window.toMs + window.stepMs - 1) / HOUR_MS),
  );
  return { granularity: parsed.data.granularity, buckets: statsBuckets(hours, window) };
}
