/**
 * The chat platform's event catalogue (docs/contract.md#events): one zod schema per event's `data`, the
 * Detail every event arrives in, and the parser that turns an EventBridge entry into the envelope
 * endpoints receive. Unknown fields pass through everywhere: the platform may add fields before
 * this service learns about them, and receivers should still get them.
 */
import * as z from 'zod';
import { inexactNumberPaths } from './exact-numbers';
import { describeIssue, formatIssuePath } from './field-issues';
import { type EventEnvelope, TEST_EVENT_TYPE } from './model';

/** Ids the chat platform makes (conversations, messages, agents…). */
export const entityIdSchema = z.string().min(1).max(128);

/**
 * Tenant and brand ids: safe to use inside storage keys. Every tenant id the service accepts (event
 * details, ADMIN_TOKENS, the JWT tenant claim) must match it.
 */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Where rejected events whose tenant cannot be read are kept (docs/contract.md#admin-api). Parentheses are
 * outside TENANT_ID_PATTERN, so no tenant id can equal it and no tenant can list these events
 * (the old key `_unknown` was a valid tenant id: that tenant saw everyone's unreadable events).
 */
export const UNREADABLE_TENANT_KEY = '(unreadable)';
export const tenantIdSchema = z.string().regex(TENANT_ID_PATTERN, 'must be 1–128 letters, digits or . _ : -');
export const brandIdSchema = z.string().regex(TENANT_ID_PATTERN, 'must be 1–128 letters, digits or . _ : -');

/** ISO 8601 date-time; an offset (or Z) is required so the instant is unambiguous. */
export const isoDateTimeSchema = z.iso.datetime({ offset: true });

const shortText = z.string().max(256);

/** Who wrote or did something in a conversation. */
export const actorSchema = z.looseObject({
  type: z.enum(['customer', 'agent', 'bot', 'system']),
  id: entityIdSchema,
  name: shortText.optional(),
});

/** An agent and/or group a conversation is assigned to. */
export const assigneeSchema = z.looseObject({
  agentId: entityIdSchema.optional(),
  groupId: entityIdSchema.optional(),
});

export const customerSchema = z.looseObject({
  id: entityIdSchema.optional(),
  name: shortText.optional(),
  email: shortText.optional(),
});

export const conversationSchema = z.looseObject({
  id: entityIdSchema,
  status: z.string().min(1).max(64),
  subject: z.string().max(1000).optional(),
  channel: z.string().min(1).max(64).optional(),
  brandId: brandIdSchema,
  customer: customerSchema.optional(),
  assignee: assigneeSchema.nullable().optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
});

export const attachmentSchema = z.looseObject({
  id: entityIdSchema.optional(),
  name: z.string().max(1024).optional(),
  contentType: z.string().max(256).optional(),
  url: z.string().max(4096).optional(),
  size: z.number().int().nonnegative().optional(),
});

export const messageSchema = z.looseObject({
  id: entityIdSchema,
  author: actorSchema,
  // Empty text is legitimate: a message may carry only attachments.
  text: z.string().max(100_000),
  attachments: z.array(attachmentSchema).max(100).optional(),
  createdAt: isoDateTimeSchema,
  editedAt: isoDateTimeSchema.optional(),
});

export const propertyChangeSchema = z.looseObject({
  property: z.string().min(1).max(256),
  oldValue: z.unknown(),
  newValue: z.unknown(),
});

const SAMPLE_TENANT = 'acme';
const SAMPLE_BRAND = 'acme-support';

const sampleConversation = {
  id: 'conv_01HZX3KQ7M2V9T4B8N6D5R1C0A',
  status: 'open',
  subject: 'Order #48213 arrived damaged',
  channel: 'web_chat',
  brandId: SAMPLE_BRAND,
  customer: { id: 'cust_7Q2M9X', name: 'Dana Whitfield', email: 'dana.whitfield@example.com' },
  assignee: { agentId: 'agent_4411', groupId: 'group_returns' },
  properties: { priority: 'high', orderNumber: '48213', language: 'en' },
  createdAt: '2024-05-14T09:12:03.000Z',
  updatedAt: '2024-05-14T09:20:41.000Z',
};

const sampleMessage = {
  id: 'msg_01HZX3N4D7Y1QW8E2R5T6Y7U8I',
  author: { type: 'customer', id: 'cust_7Q2M9X', name: 'Dana Whitfield' },
  text: 'Hi, the mug in my order arrived cracked. Can I get a replacement?',
  attachments: [
    {
      id: 'att_5521',
      name: 'cracked-mug.jpg',
      contentType: 'image/jpeg',
      url: 'https://files.example.com/att_5521/cracked-mug.jpg',
      size: 284113,
    },
  ],
  createdAt: '2024-05-14T09:13:27.000Z',
};

/** What the catalogue knows about one event type. */
export interface EventTypeDefinition {
  /** The display name: the type's words, capitalised (`message.retracted` is "Message Retracted"). */
  name: string;
  /** What the event means, for the catalogue route and the console. */
  description: string;
  /** The schema of the event's `data`; unknown fields pass through. */
  data: z.ZodType;
  /** A realistic `data` for the sample payload (it must pass `data`). */
  sampleData: Record<string, unknown>;
}

/**
 * The catalogue (docs/contract.md#events): every event type, in the order the API lists them. Adding an event
 * type is one entry here; the type union, the subscription schema and its limit, the OpenAPI enum,
 * the bus rules and `GET /v1/event-types` all derive from it.
 */
const EVENT_TYPE_DEFINITIONS = {
  'conversation.created': {
    name: 'Conversation Created',
    description: 'A customer or agent started a new conversation on any channel.',
    data: z.looseObject({ conversation: conversationSchema }),
    sampleData: {
      conversation: { ...sampleConversation, assignee: null, updatedAt: sampleConversation.createdAt },
    },
  },
  'conversation.deleted': {
    name: 'Conversation Deleted',
    description: 'A conversation was permanently deleted; only its id is sent.',
    data: z.looseObject({ conversationId: entityIdSchema }),
    sampleData: { conversationId: sampleConversation.id },
  },
  'conversation.property_updated': {
    name: 'Conversation Property Updated',
    description:
      "One or more of a conversation's custom properties changed; each change lists old and new value.",
    data: z.looseObject({
      conversation: conversationSchema,
      changes: z.array(propertyChangeSchema).min(1).max(100),
    }),
    sampleData: {
      conversation: sampleConversation,
      changes: [{ property: 'priority', oldValue: 'normal', newValue: 'high' }],
    },
  },
  'conversation.status_updated': {
    name: 'Conversation Status Updated',
    description: 'A conversation moved to another status, e.g. open → pending → solved.',
    data: z.looseObject({
      conversation: conversationSchema,
      previousStatus: z.string().min(1).max(64).nullable(),
      status: z.string().min(1).max(64),
    }),
    sampleData: {
      conversation: { ...sampleConversation, status: 'pending' },
      previousStatus: 'open',
      status: 'pending',
    },
  },
  'conversation.assignee_updated': {
    name: 'Conversation Assignee Updated',
    description: 'A conversation was assigned, reassigned or unassigned (agent and/or group).',
    data: z.looseObject({
      conversation: conversationSchema,
      // null: the conversation was (or became) unassigned.
      previousAssignee: assigneeSchema.nullable(),
      assignee: assigneeSchema.nullable(),
    }),
    sampleData: {
      conversation: sampleConversation,
      previousAssignee: { groupId: 'group_returns' },
      assignee: { agentId: 'agent_4411', groupId: 'group_returns' },
    },
  },
  'message.created': {
    name: 'Message Created',
    description: 'A customer, agent, bot or the system posted a message in a conversation.',
    data: z.looseObject({ conversationId: entityIdSchema, message: messageSchema }),
    sampleData: { conversationId: sampleConversation.id, message: sampleMessage },
  },
  'message.edited': {
    name: 'Message Edited',
    description: "A message's text was changed; the previous text is included.",
    data: z.looseObject({
      conversationId: entityIdSchema,
      message: messageSchema,
      previousText: z.string().max(100_000),
    }),
    sampleData: {
      conversationId: sampleConversation.id,
      message: {
        ...sampleMessage,
        author: { type: 'agent', id: 'agent_4411', name: 'Sam Ortega' },
        text: 'A replacement is on its way, tracking number 1Z999AA10123456784.',
        attachments: [],
        editedAt: '2024-05-14T09:25:10.000Z',
      },
      previousText: 'A replacement is on its way.',
    },
  },
  'message.retracted': {
    name: 'Message Retracted',
    description:
      'A message was retracted (unsent) by its author or a moderator; its content is no longer shown.',
    data: z.looseObject({
      conversationId: entityIdSchema,
      messageId: entityIdSchema,
      retractedBy: actorSchema,
    }),
    sampleData: {
      conversationId: sampleConversation.id,
      messageId: sampleMessage.id,
      retractedBy: { type: 'customer', id: 'cust_7Q2M9X', name: 'Dana Whitfield' },
    },
  },
} satisfies Record<string, EventTypeDefinition>;

type Definitions = typeof EVENT_TYPE_DEFINITIONS;

/** One of the chat platform's event types (the catalogue). */
export type EventType = keyof Definitions;

/** Every event type of the catalogue, in catalogue order. */
export const EVENT_TYPES = Object.keys(EVENT_TYPE_DEFINITIONS) as [EventType, ...EventType[]];

/** One of the catalogue's event types. */
export const eventTypeSchema = z.enum(EVENT_TYPES);

/** The `data` schema of each event type. */
export const EVENT_DATA_SCHEMAS = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, EVENT_TYPE_DEFINITIONS[type].data]),
) as { readonly [Type in EventType]: Definitions[Type]['data'] };

/**
 * An event id from the platform. It is sent as the `webhook-id` header, so it must be a valid header
 * value: an id with spaces, controls or non-ASCII passed the schema but failed every attempt to
 * every endpoint (and counted towards their auto-disable).
 */
export const eventIdSchema = entityIdSchema.regex(
  /^[\x21-\x7e]+$/,
  'must be printable ASCII without spaces (it is sent as the webhook-id header)',
);

/** The Detail of an event of `type` as the chat platform puts it on the bus. */
export function eventDetailSchema(type: EventType) {
  let schema = detailSchemas.get(type);
  if (!schema) {
    schema = buildEventDetailSchema(type);
    detailSchemas.set(type, schema);
  }
  return schema;
}

// One schema per type, built once: zod compiles each new object schema on its first parse, and a
// schema per event made that compilation ~2% of the pipeline's CPU (npm run bench profile).
const detailSchemas = new Map<EventType, ReturnType<typeof buildEventDetailSchema>>();

function buildEventDetailSchema(type: EventType) {
  return z.looseObject({
    tenantId: tenantIdSchema,
    // null: an event that belongs to the tenant rather than to one of its brands.
    brandId: brandIdSchema.nullable(),
    id: eventIdSchema.optional(),
    occurredAt: isoDateTimeSchema.optional(),
    data: EVENT_DATA_SCHEMAS[type],
  });
}

/** The body every endpoint receives (docs/contract.md#deliveries). */
export const eventEnvelopeSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  timestamp: z.string().min(1),
  tenantId: z.string().min(1),
  brandId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});

/**
 * Deepest nesting a Detail may have. Pass-through fields are copied into every delivery, and the
 * recursive JSON serialisers downstream (queue messages, delivery bodies) overflow the stack a few
 * thousand levels down: such an event could be neither delivered nor rejected, only retried into
 * the fan-out DLQ. Real chat events nest a handful of levels.
 */
export const MAX_DETAIL_DEPTH = 64;

/** Whether `value` nests objects or arrays deeper than `limit`; iterative, so any depth is safe to measure. */
export function isNestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > limit) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth });
  }
  return false;
}

const UNSAFE_NUMBER_MESSAGE =
  'is a number JavaScript cannot carry exactly (an integer beyond 2^53 or beyond double range): send it as a string';

export type ParsedChatEvent =
  | { ok: true; event: EventEnvelope }
  | { ok: false; reason: string; issues: { path: string; message: string }[]; tenantId?: string };

/**
 * Validates one bus entry and builds its envelope. Never throws: a bad Detail is a value the
 * caller files as a rejected event, so one malformed event cannot block the pipeline.
 */
export function parseChatEvent(
  input: { detailType: string; detail: unknown; time?: string },
  newEventId: () => string,
  now: () => Date = () => new Date(),
): ParsedChatEvent {
  let detail = input.detail;
  if (typeof detail === 'string') {
    try {
      detail = JSON.parse(detail) as unknown;
    } catch {
      return { ok: false, reason: 'invalid_detail', issues: [{ path: '', message: 'is not valid JSON' }] };
    }
  }
  const tenantId = usableTenantId(detail);
  const withTenant = tenantId === undefined ? {} : { tenantId };
  if (isNestedDeeperThan(detail, MAX_DETAIL_DEPTH)) {
    return {
      ok: false,
      reason: 'invalid_detail',
      issues: [{ path: '', message: `nests objects or arrays deeper than ${MAX_DETAIL_DEPTH} levels` }],
      ...withTenant,
    };
  }
  const type = eventTypeSchema.safeParse(input.detailType);
  if (!type.success) {
    return {
      ok: false,
      reason: 'unknown_event_type',
      issues: [
        {
          path: 'detail-type',
          message: `is not a catalogue event type: ${String(input.detailType).slice(0, 128)}`,
        },
      ],
      ...withTenant,
    };
  }
  const inexact = inexactNumberPaths(detail);
  if (inexact.length > 0) {
    return {
      ok: false,
      reason: 'unsafe_number',
      issues: inexact.map((path) => ({ path, message: UNSAFE_NUMBER_MESSAGE })),
      ...withTenant,
    };
  }
  const parsed = eventDetailSchema(type.data).safeParse(detail);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: formatIssuePath(issue.path),
      message: describeIssue(issue),
    }));
    return { ok: false, reason: 'invalid_detail', issues, ...withTenant };
  }
  const body = parsed.data;
  return {
    ok: true,
    event: {
      id: body.id ?? newEventId(),
      type: type.data,
      // One shape whatever the input's offset or precision: UTC, milliseconds, `Z`.
      timestamp: new Date(body.occurredAt ?? validTime(input.time) ?? now()).toISOString(),
      tenantId: body.tenantId,
      brandId: body.brandId,
      data: body.data as Record<string, unknown>,
    },
  };
}

function usableTenantId(detail: unknown): string | undefined {
  if (typeof detail !== 'object' || detail === null) return undefined;
  const candidate = (detail as { tenantId?: unknown }).tenantId;
  return tenantIdSchema.safeParse(candidate).success ? (candidate as string) : undefined;
}

function validTime(time: string | undefined): string | undefined {
  return time !== undefined && isoDateTimeSchema.safeParse(time).success ? time : undefined;
}

/** One catalogue entry as `GET /v1/event-types` lists it. */
export interface EventCatalogueEntry {
  type: EventType;
  name: string;
  description: string;
  samplePayload: EventEnvelope;
}

function sample(type: EventType, index: number, data: Record<string, unknown>): EventEnvelope {
  return {
    id: `evt_01HZX4A0B1C2D3E4F5G6H7J8K${index}`,
    type,
    timestamp: '2024-05-14T09:21:00.000Z',
    tenantId: SAMPLE_TENANT,
    brandId: SAMPLE_BRAND,
    data,
  };
}

/** Every event type with its seed name, what it means, and a realistic payload. */
export const EVENT_CATALOGUE: readonly EventCatalogueEntry[] = EVENT_TYPES.map((type, index) => {
  const { name, description, sampleData } = EVENT_TYPE_DEFINITIONS[type];
  return { type, name, description, samplePayload: sample(type, index, sampleData) };
});

/**
 * The envelope `POST /v1/webhooks/{id}/test` sends: `webhook.test` by default, or a catalogue type's
 * sample payload (fresh id, time, tenant and brand) so a receiver's handler of that type can be tried.
 */
export function buildTestEvent(
  tenantId: string,
  brandId: string | null,
  newEventId: () => string,
  now: Date,
  eventType: EventType | typeof TEST_EVENT_TYPE = TEST_EVENT_TYPE,
): EventEnvelope {
  const data =
    eventType === TEST_EVENT_TYPE
      ? {
          message: 'This is a test event from chat-webhooks. If you can read it, your endpoint is reachable.',
        }
      : structuredClone(EVENT_TYPE_DEFINITIONS[eventType].sampleData);
  return { id: newEventId(), type: eventType, timestamp: now.toISOString(), tenantId, brandId, data };
}
