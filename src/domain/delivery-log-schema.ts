/**
 * The delivery log's API shapes (docs/contract.md#admin-api, #delivery-log): the validators of its query and bodies,
 * the response types and the OpenAPI document come from these schemas alone.
 */
import * as z from 'zod';
import { DELIVERY_STATUSES } from './delivery-log';
import { eventEnvelopeSchema, isoDateTimeSchema } from './event-catalogue';
import { pageSchema } from './webhook-schema';

/**
 * The longest window `recover` accepts, and the most deliveries one call enqueues. A week covers any
 * retention worth having for a log whose default is 3 days; the count keeps one call within the API's
 * time limit and keeps a receiver that has just come back from a burst it cannot absorb. A larger
 * backlog is recovered by calling again with `until` set to the answer's `resumeUntil`.
 */
export const RECOVER_MAX_WINDOW_DAYS = 7;
export const RECOVER_MAX_DELIVERIES = 1000;

const limitSchema = z.coerce.number().int().min(1).max(100).default(20);
const timeSchema = isoDateTimeSchema.meta({
  description: 'ISO 8601 date-time with an offset, e.g. 2026-11-29T10:00:00Z',
});

export const deliveryListQuerySchema = z
  .strictObject({
    webhookId: z.string().min(1).max(128).optional(),
    eventId: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .meta({ description: 'Every delivery of this event, across its webhooks ("where did event X go?").' }),
    status: z.enum(DELIVERY_STATUSES).optional(),
    eventType: z.string().min(1).max(100).optional(),
    since: timeSchema.optional(),
    until: timeSchema.optional(),
    limit: limitSchema,
    cursor: z.string().min(1).max(4096).optional(),
  })
  .refine((query) => !query.since || !query.until || Date.parse(query.since) <= Date.parse(query.until), {
    path: ['until'],
    message: 'must not be before since',
  });
export type DeliveryListQueryInput = z.output<typeof deliveryListQuerySchema>;

export const recoverRequestSchema = z
  .strictObject({ since: timeSchema, until: timeSchema.optional() })
  .refine((body) => !body.until || Date.parse(body.since) <= Date.parse(body.until), {
    path: ['until'],
    message: 'must not be before since',
  });

export const loggedAttemptSchema = z.object({
  at: isoDateTimeSchema,
  host: z.string().optional().meta({
    description:
      'The host (and port) this attempt was sent to; after the URL is edited, retries go to the new one.',
  }),
  statusCode: z.number().int().optional(),
  error: z.string().optional(),
  durationMs: z.number().nonnegative(),
  requestHeaders: z
    .record(z.string(), z.string())
    .meta({ description: 'As sent; every secret value is masked as ****.' }),
  responseSnippet: z.string().optional().meta({ description: 'The first 256 characters of the answer.' }),
});

export const deliverySummarySchema = z.object({
  id: z.string(),
  webhookId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attemptCount: z.number().int().nonnegative(),
  lastStatusCode: z.number().int().optional(),
  lastError: z.string().optional(),
  nextAttemptAt: isoDateTimeSchema.optional(),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
  failureLogId: z
    .string()
    .optional()
    .meta({ description: 'The failure log written when the last attempt failed.' }),
  redeliveryOf: z.string().optional().meta({
    description: 'The delivery (or, for a failure-log redelivery, the failure log) this one repeats.',
  }),
  test: z
    .boolean()
    .optional()
    .meta({ description: 'True for a test send (POST /v1/webhooks/{id}/test); never counted in health.' }),
});

export const deliveryDetailSchema = deliverySummarySchema.extend({
  attempts: z.array(loggedAttemptSchema),
  payload: eventEnvelopeSchema
    .optional()
    .meta({ description: 'The body as sent (absent once its retention has passed).' }),
});

export const deliveryPageSchema = pageSchema(deliverySummarySchema);

export const redeliveryResultSchema = z.object({
  status: z.literal('enqueued'),
  deliveryId: z.string(),
  webhookId: z.string(),
  eventId: z.string(),
});

export const recoverResultSchema = z.object({
  enqueued: z.number().int().nonnegative(),
  resumeUntil: isoDateTimeSchema.optional().meta({
    description: `Present when more than ${RECOVER_MAX_DELIVERIES} failed deliveries matched: call again with this as until.`,
  }),
});
