/**
 * The admin API's schemas (docs/contract.md#admin-api): request validation, query strings and response shapes.
 * The same schemas produce the OpenAPI document (./openapi), so the docs cannot drift from the checks.
 */
import * as z from 'zod';
import {
  authenticationInputSchema,
  draftAuthenticationHeaderName,
  publicAuthenticationSchema,
} from './auth-kinds/registry';
import { checkDestinationUrl } from './destination-policy';
import { webhookDescriptionSchema, webhookNameSchema } from './display-text';
import type { FieldIssue } from './errors';
import {
  brandIdSchema,
  EVENT_TYPES,
  eventEnvelopeSchema,
  eventTypeSchema,
  isoDateTimeSchema,
} from './event-catalogue';

import {
  HEADER_NAME_PATTERN,
  HEADER_VALUE_RULE,
  isSendableHeaderValue,
  secretHeaderValue,
} from './header-text';

export { authenticationInputSchema, publicAuthenticationSchema } from './auth-kinds/registry';
export { toFieldIssues } from './field-issues';
export { HEADER_NAME_PATTERN, isSendableHeaderValue } from './header-text';
export { reservedHeaderReason } from './reserved-headers';

import { WEBHOOK_ORDERINGS } from './model';
import { reservedHeaderReason } from './reserved-headers';

export const MAX_CUSTOM_HEADERS = 20;
const MAX_HEADER_NAME_LENGTH = 256;
const MAX_HEADER_VALUE_LENGTH = 1024;
/**
 * All custom headers together (names and values, ASCII): with the largest credential (4 KiB) and the
 * service's own headers (two signatures during a rotation) the request head stays under 16 KiB, the
 * default limit of Node and many other servers, which would answer 431 to anything larger.
 */
export const MAX_CUSTOM_HEADER_BYTES = 8192;

const headerValueSchema = z
  .string()
  .max(MAX_HEADER_VALUE_LENGTH)
  .refine(isSendableHeaderValue, HEADER_VALUE_RULE);

/** The longest secret header value: the credential values' limit (bearer token, api-key value). */
const MAX_SECRET_HEADER_VALUE_LENGTH = 4096;

/**
 * A secret custom header (docs/contract.md#secret-headers): `{ value, secret: true }` sets its value,
 * which is encrypted at rest and never shown again; `{ secret: true }` alone keeps the value stored
 * under that name (so a webhook as GET shows it can be sent back unchanged).
 */
const secretHeaderInputSchema = z.union([
  z.strictObject({ value: secretHeaderValue(MAX_SECRET_HEADER_VALUE_LENGTH), secret: z.literal(true) }),
  z.strictObject({ secret: z.literal(true) }),
]);
export type SecretHeaderInput = z.output<typeof secretHeaderInputSchema>;
/** A custom header value as written: public text, or a secret. */
export type HeaderInputValue = string | SecretHeaderInput;

/** How a response shows a secret header: the name, never the value. */
export const maskedSecretHeaderSchema = z
  .object({ secret: z.literal(true) })
  .meta({ description: 'A secret header: its value is write-only and never returned.' });

const headersSchema = z
  .record(z.string(), z.union([headerValueSchema, secretHeaderInputSchema]))
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > MAX_CUSTOM_HEADERS) {
      ctx.addIssue({ code: 'custom', message: `at most ${MAX_CUSTOM_HEADERS} custom headers are allowed` });
    }
    const totalBytes = names.reduce(
      (total, name) => total + name.length + headerValueLength(headers[name]),
      0,
    );
    if (totalBytes > MAX_CUSTOM_HEADER_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `custom header names and values may total at most ${MAX_CUSTOM_HEADER_BYTES} bytes, so receivers accept the request`,
      });
    }
    const seen = new Set<string>();
    for (const name of names) {
      if (name.length > MAX_HEADER_NAME_LENGTH) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `is longer than ${MAX_HEADER_NAME_LENGTH} characters`,
        });
        continue;
      }
      if (!HEADER_NAME_PATTERN.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'is not a valid header name (RFC 9110 token)',
        });
        continue;
      }
      const reserved = reservedHeaderReason(name);
      if (reserved !== null)
        ctx.addIssue({ code: 'custom', path: [name], message: `is reserved: ${reserved}` });
      const lower = name.toLowerCase();
      if (seen.has(lower)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'repeats a header name (names are case-insensitive)',
        });
      }
      seen.add(lower);
    }
  })
  .meta({
    description: `Up to ${MAX_CUSTOM_HEADERS} custom headers sent with every delivery. A value is a string (shown in responses) or \`{ "value": "...", "secret": true }\` (encrypted at rest, shown as \`{ "secret": true }\`; send \`{ "secret": true }\` to keep the stored value).`,
    maxProperties: MAX_CUSTOM_HEADERS,
    propertyNames: { type: 'string', pattern: HEADER_NAME_PATTERN.source },
  });

/** The bytes a header value counts toward the total; a kept secret is counted when the webhook is merged. */
export function headerValueLength(value: HeaderInputValue | undefined): number {
  if (value === undefined) return 0;
  if (typeof value === 'string') return value.length;
  return 'value' in value ? value.value.length : 0;
}

const signingSchema = z.strictObject({ enabled: z.boolean() });
const orderingSchema = z.enum(WEBHOOK_ORDERINGS).meta({
  description:
    "`conversation`: one conversation's deliveries one at a time, in the order their events were accepted (a retry holds that conversation only); `none` (default): no order.",
});
const webhookStatusSchema = z.enum(['active', 'inactive']);

/** The event types a webhook subscribes to: at least one, each catalogue type at most once. */
const eventsSchema = z
  .array(eventTypeSchema)
  .min(1)
  .max(EVENT_TYPES.length)
  .superRefine((events, ctx) => {
    const seen = new Set<string>();
    events.forEach((event, index) => {
      if (seen.has(event)) ctx.addIssue({ code: 'custom', path: [index], message: `repeats ${event}` });
      seen.add(event);
    });
  });

/**
 * Rules across fields, re-checked on the merged webhook after a PATCH: a custom Authorization
 * header would fight the configured authentication, and the header an authentication kind sends
 * (an api_key's) must not be sent twice. `authentication` is the settings as written or as shown.
 */
export function checkWebhookConsistency(draft: {
  headers: Readonly<Record<string, unknown>>;
  authentication: { readonly type: string } | null;
}): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (draft.authentication === null) return issues;
  const authenticationHeader = draftAuthenticationHeaderName(draft.authentication);
  for (const name of Object.keys(draft.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization') {
      issues.push({
        field: `headers.${name}`,
        message: 'is reserved while authentication is set: remove the header or the authentication',
      });
    } else if (lower === authenticationHeader) {
      issues.push({
        field: `headers.${name}`,
        message: `is the ${draft.authentication.type} authentication header: it cannot also be a custom header`,
      });
    }
  }
  return issues;
}

function addConsistencyIssues(value: { headers?: unknown; authentication?: unknown }, ctx: z.RefinementCtx) {
  // Refinements also run when a field already failed, so only judge well-formed values.
  const headers = value.headers;
  const authentication = value.authentication;
  if (typeof headers !== 'object' || headers === null) return;
  if (typeof authentication !== 'object' || authentication === null) return;
  if (typeof (authentication as { type?: unknown }).type !== 'string') return;
  const draft = {
    headers: headers as Record<string, unknown>,
    authentication: authentication as { type: string },
  };
  for (const issue of checkWebhookConsistency(draft)) {
    const path = issue.field.split('.');
    ctx.addIssue({ code: 'custom', path: [path[0] ?? '', path.slice(1).join('.')], message: issue.message });
  }
}

function urlSchema(options: { allowInsecureLocalhost: boolean }) {
  return z
    .string()
    .min(1)
    .superRefine((url, ctx) => {
      if (url === '') return; // already reported by min(1)
      const problem = checkDestinationUrl(url, options);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta({
      format: 'uri',
      description: 'Absolute https:// URL, at most 2048 characters, on a public host.',
    });
}

/** The create and patch schemas; URL rules depend on ALLOW_INSECURE_LOCALHOST. */
export function webhookInputSchemas(options: { allowInsecureLocalhost: boolean }) {
  const fields = {
    name: webhookNameSchema,
    description: webhookDescriptionSchema,
    brandId: brandIdSchema.nullable(),
    events: eventsSchema,
    url: urlSchema(options),
    status: webhookStatusSchema,
    authentication: authenticationInputSchema.nullable(),
    signing: signingSchema,
    headers: headersSchema,
    ordering: orderingSchema,
  };
  const create = z
    .strictObject({
      ...fields,
      description: fields.description.default(''),
      brandId: fields.brandId.optional().default(null),
      status: fields.status.default('active'),
      authentication: fields.authentication.optional().default(null),
      signing: fields.signing.default({ enabled: true }),
      headers: fields.headers.default({}),
      ordering: fields.ordering.default('none'),
    })
    .superRefine(addConsistencyIssues);
  const patch = z
    .strictObject({
      name: fields.name.optional(),
      description: fields.description.optional(),
      brandId: fields.brandId.optional(),
      events: fields.events.optional(),
      url: fields.url.optional(),
      status: fields.status.optional(),
      authentication: fields.authentication.optional(),
      signing: fields.signing.optional(),
      headers: fields.headers.optional(),
      ordering: fields.ordering.optional(),
    })
    .superRefine((value, ctx) => {
      if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) {
        ctx.addIssue({ code: 'custom', message: 'must change at least one field' });
      }
      addConsistencyIssues(value, ctx);
    });
  return { create, patch };
}

export type WebhookInputSchemas = ReturnType<typeof webhookInputSchemas>;
/** A validated create request, defaults applied. */
export type CreateWebhookInput = z.output<WebhookInputSchemas['create']>;
/** A validated PATCH request: only the fields the admin sent. */
export type PatchWebhookInput = z.output<WebhookInputSchemas['patch']>;

/** A webhook as every response shows it. */
export const webhookHealthSchema = z
  .object({
    lastAttemptAt: isoDateTimeSchema.optional(),
    lastStatusCode: z.number().int().optional(),
    lastOutcome: z.enum(['succeeded', 'failed']).optional(),
    failingSince: isoDateTimeSchema.optional(),
    circuitOpenUntil: isoDateTimeSchema.optional().meta({
      description:
        'While a delivery process has stopped sending to this webhook after repeated failures (its circuit is open): until when. Each process keeps its own circuit; this is the latest opening one of them recorded, shown while it lasts and no attempt has succeeded since.',
    }),
    succeeded24h: z.number().int().nonnegative(),
    failed24h: z.number().int().nonnegative(),
  })
  .meta({ description: 'Read-only. Counts cover the current hour and the 23 before it.' });

export const publicWebhookSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  brandId: z.string().nullable(),
  events: z.array(z.string()),
  url: z.string(),
  status: webhookStatusSchema,
  authentication: publicAuthenticationSchema.nullable(),
  signing: z.object({ enabled: z.boolean() }),
  headers: z.record(z.string(), z.union([z.string(), maskedSecretHeaderSchema])),
  ordering: orderingSchema,
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
  disabledReason: z.string().optional(),
  health: webhookHealthSchema.optional(),
});
export type PublicWebhook = z.output<typeof publicWebhookSchema>;

/** The create response: the secret is shown here once, when signing is on. */
export const createdWebhookSchema = publicWebhookSchema.extend({
  signingSecret: z.string().optional().meta({ description: 'whsec_ + base64 of 32 random bytes' }),
});

/** `limit`: query strings carry text, so it is coerced. */
const limitSchema = z.coerce.number().int().min(1).max(100).default(20);
const cursorSchema = z.string().min(1).max(4096).optional();

export const webhookListQuerySchema = z.strictObject({
  status: webhookStatusSchema.optional(),
  brandId: brandIdSchema.optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type WebhookListQueryInput = z.output<typeof webhookListQuerySchema>;

export const failureLogListQuerySchema = z.strictObject({
  webhookId: z.string().min(1).max(128).optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type FailureLogListQueryInput = z.output<typeof failureLogListQuerySchema>;

export const rejectedEventListQuerySchema = z.strictObject({ limit: limitSchema, cursor: cursorSchema });
export type RejectedEventListQueryInput = z.output<typeof rejectedEventListQuerySchema>;

/** Drops empty query parameters (`?brandId=`), which forms and templates send for "any". */
export function withoutEmptyParameters(query: Record<string, string | undefined>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') kept[key] = value;
  return kept;
}

export const deliveryAttemptSchema = z.object({
  at: isoDateTimeSchema,
  host: z.string().optional().meta({
    description:
      'The host (and port) this attempt was sent to; after the URL is edited, retries go to the new one.',
  }),
  statusCode: z.number().int().optional(),
  error: z.string().optional(),
  durationMs: z.number().nonnegative(),
  responseSnippet: z.string().optional(),
});

/** A failure log (docs/contract.md#deliveries) as the API shows it. */
export const failureLogSchema = z.object({
  id: z.string(),
  webhookId: z.string(),
  webhookName: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  url: z.string(),
  attempts: z.array(deliveryAttemptSchema),
  attemptCount: z.number().int().nonnegative(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  firstAttemptAt: isoDateTimeSchema.nullable(),
  failedAt: isoDateTimeSchema,
  event: eventEnvelopeSchema.optional().meta({ description: 'The event as it was sent.' }),
  deliveryId: z.string().optional().meta({ description: 'The delivery log record of this delivery.' }),
  givenUpReason: z.string().optional().meta({
    description:
      'Why the delivery was given up when that was not its last attempt failing: its retry schedule ended while the webhook kept failing (citing `evidence`), its request could not be built, or the service deactivated the webhook. `attempts` lists only requests that were made.',
  }),
  evidence: z
    .object({
      at: isoDateTimeSchema,
      statusCode: z.number().int().optional(),
      error: z.string().optional(),
    })
    .optional()
    .meta({
      description:
        'The failed request to the webhook (possibly made by another delivery) the delivery was given up on.',
    }),
});

export const rejectedEventSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  source: z.string(),
  detailType: z.string(),
  receivedAt: isoDateTimeSchema,
  reason: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
  detailSnippet: z.string(),
});

export const eventTypeEntrySchema = z.object({
  type: eventTypeSchema,
  name: z.string(),
  description: z.string(),
  samplePayload: eventEnvelopeSchema,
});

export const eventTypeListSchema = z.object({ items: z.array(eventTypeEntrySchema) });

/** A page of `item`: `nextCursor` is null on the last page. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const webhookPageSchema = pageSchema(publicWebhookSchema);
export const failureLogPageSchema = pageSchema(failureLogSchema.omit({ event: true }));
export const rejectedEventPageSchema = pageSchema(rejectedEventSchema);

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});

export const testDeliveryRequestSchema = z.strictObject({
  eventType: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe(
      'A catalogue event type whose sample payload to send, or webhook.test; default webhook.test (a payload no receiver mistakes for real traffic)',
    ),
});

export const testDeliveryResultSchema = z.object({
  delivered: z.boolean(),
  statusCode: z.number().int().optional(),
  durationMs: z.number().nonnegative(),
  error: z.string().optional(),
  eventType: z.string().describe('The event type sent'),
  deliveryId: z
    .string()
    .optional()
    .describe('The delivery log record of this test send (absent when the log does not keep it)'),
});

export const signingSecretSchema = z.object({ signingSecret: z.string() });

/** The longest a replaced signing secret may keep signing beside the new one. */
export const MAX_PREVIOUS_SECRET_SECONDS = 7 * 24 * 60 * 60;
/** What a rotation keeps of the replaced secret when the body does not say. */
export const DEFAULT_PREVIOUS_SECRET_SECONDS = 24 * 60 * 60;

export const rotateSecretRequestSchema = z.strictObject({
  previousSecretExpiresIn: z
    .number()
    .int()
    .min(0)
    .max(MAX_PREVIOUS_SECRET_SECONDS)
    .optional()
    .describe('Seconds the replaced secret keeps signing beside the new one (0 ends it now); default 86400'),
});

export const rotatedSecretSchema = z.object({
  signingSecret: z.string(),
  previousSecretExpiresAt: z
    .string()
    .nullable()
    .describe('When the replaced secret stops signing (null: there was none)'),
});

export const healthSchema = z.object({ status: z.literal('ok') });
