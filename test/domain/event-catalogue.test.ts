import { describe, expect, it } from 'vitest';
import {
  buildTestEvent,
  EVENT_CATALOGUE,
  EVENT_DATA_SCHEMAS,
  EVENT_TYPES,
  type EventType,
  eventDetailSchema,
  eventEnvelopeSchema,
  eventTypeSchema,
  parseChatEvent,
} from '#domain/event-catalogue';
import { TEST_EVENT_TYPE } from '#domain/model';

let counter = 0;
const newEventId = () => `evt_generated_${++counter}`;

const conversation = {
  id: 'conv_1',
  status: 'open',
  brandId: 'brand-a',
  createdAt: '2024-05-14T09:12:03Z',
  updatedAt: '2024-05-14T09:12:03+02:00',
};
const message = {
  id: 'msg_1',
  author: { type: 'agent', id: 'agent_7' },
  text: 'Hello',
  createdAt: '2024-05-14T09:13:00.123Z',
};

describe('EVENT_CATALOGUE', () => {
  it('lists every event type exactly once, each named by its own words', () => {
    expect(EVENT_CATALOGUE.map((entry) => entry.type).sort()).toEqual([...EVENT_TYPES].sort());
    // A name that says something else than its type ("Message Retract" for message.retracted)
    // makes a reader look for an event that does not exist.
    const wordsOf = (type: string) =>
      type
        .split(/[._]/)
        .map((word) => `${word[0]?.toUpperCase()}${word.slice(1)}`)
        .join(' ');
    for (const entry of EVENT_CATALOGUE) expect(entry.name).toBe(wordsOf(entry.type));
    for (const entry of EVENT_CATALOGUE) expect(entry.description.length).toBeGreaterThan(10);
  });

  it.each(EVENT_CATALOGUE.map((entry) => [entry.type, entry] as const))(
    'the %s sample passes its own schemas and round-trips through parseChatEvent',
    (type, entry) => {
      const sample = entry.samplePayload;
      expect(sample.type).toBe(type);
      expect(EVENT_DATA_SCHEMAS[type].safeParse(sample.data).success).toBe(true);
      expect(eventEnvelopeSchema.safeParse(sample).success).toBe(true);
      const detail = {
        tenantId: sample.tenantId,
        brandId: sample.brandId,
        id: sample.id,
        occurredAt: sample.timestamp,
        data: sample.data,
      };
      expect(eventDetailSchema(type).safeParse(detail).success).toBe(true);
      expect(parseChatEvent({ detailType: type, detail }, newEventId)).toEqual({ ok: true, event: sample });
    },
  );

  it('has unique sample event ids', () => {
    const ids = new Set(EVENT_CATALOGUE.map((entry) => entry.samplePayload.id));
    expect(ids.size).toBe(EVENT_CATALOGUE.length);
  });
});

describe('eventTypeSchema', () => {
  it('accepts catalogue types and refuses others, including the test type', () => {
    expect(eventTypeSchema.safeParse('message.created').success).toBe(true);
    expect(eventTypeSchema.safeParse('message.deleted').success).toBe(false);
    expect(eventTypeSchema.safeParse(TEST_EVENT_TYPE).success).toBe(false);
  });
});

describe('parseChatEvent', () => {
  it('builds the envelope, defaulting id to a new one and timestamp to occurredAt', () => {
    const result = parseChatEvent(
      {
        detailType: 'message.created',
        detail: {
          tenantId: 'tenant-a',
          brandId: 'brand-a',
          occurredAt: '2024-05-14T09:13:01Z',
          data: { conversationId: 'conv_1', message },
        },
        time: '2024-05-14T09:13:05Z',
      },
      () => 'evt_new',
    );
    expect(result).toEqual({
      ok: true,
      event: {
        id: 'evt_new',
        type: 'message.created',
        timestamp: '2024-05-14T09:13:01.000Z',
        tenantId: 'tenant-a',
        brandId: 'brand-a',
        data: { conversationId: 'conv_1', message },
      },
    });
  });

  it('keeps the publisher id, and falls back to the bus time, then to now', () => {
    const detail = { tenantId: 't', brandId: 'b', id: 'evt_given', data: { conversationId: 'conv_9' } };
    const withTime = parseChatEvent(
      { detailType: 'conversation.deleted', detail, time: '2024-01-02T03:04:05Z' },
      newEventId,
    );
    expect(withTime.ok && withTime.event).toMatchObject({
      id: 'evt_given',
      timestamp: '2024-01-02T03:04:05.000Z',
    });
    const fixedNow = new Date('2025-06-07T08:09:10.000Z');
    const withoutTime = parseChatEvent(
      { detailType: 'conversation.deleted', detail },
      newEventId,
      () => fixedNow,
    );
    expect(withoutTime.ok && withoutTime.event.timestamp).toBe('2025-06-07T08:09:10.000Z');
  });

  it('passes unknown extra fields through at every level', () => {
    const result = parseChatEvent(
      {
        detailType: 'conversation.created',
        detail: {
          tenantId: 't',
          brandId: 'b',
          region: 'eu',
          data: {
            conversation: { ...conversation, slaTier: 'gold', customer: { id: 'c', vip: true } },
            origin: 'api',
          },
        },
      },
      newEventId,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event.data).toMatchObject({
      origin: 'api',
      conversation: { slaTier: 'gold', customer: { vip: true } },
    });
  });

  it('accepts a JSON string detail, as raw EventBridge entries carry it', () => {
    const detail = JSON.stringify({ tenantId: 't', brandId: null, data: { conversationId: 'c' } });
    const result = parseChatEvent({ detailType: 'conversation.deleted', detail }, newEventId);
    expect(result.ok && result.event.brandId).toBeNull();
  });

  it('rejects an unknown detail-type and still reports the tenant', () => {
    const result = parseChatEvent(
      { detailType: 'conversation.exploded', detail: { tenantId: 'tenant-a' } },
      newEventId,
    );
    expect(result).toMatchObject({ ok: false, reason: 'unknown_event_type', tenantId: 'tenant-a' });
  });

  it('rejects a detail failing its schema with field paths, filed under its tenant', () => {
    const result = parseChatEvent(
      {
        detailType: 'conversation.property_updated',
        detail: {
          tenantId: 'tenant-a',
          brandId: 'brand-a',
          occurredAt: 'yesterday',
          data: { conversation: { ...conversation, id: '' }, changes: [{ oldValue: 1 }] },
        },
      },
      newEventId,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('invalid_detail');
    expect(result.tenantId).toBe('tenant-a');
    const paths = result.issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining(['occurredAt', 'data.conversation.id', 'data.changes[0].property']),
    );
  });

  it('omits the tenant when the detail has no usable one', () => {
    for (const detail of [
      null,
      'not json',
      42,
      { tenantId: 'has spaces' },
      { tenantId: 'x'.repeat(129) },
      {},
    ]) {
      const result = parseChatEvent({ detailType: 'message.created', detail }, newEventId);
      expect(result.ok).toBe(false);
      expect(result).not.toHaveProperty('tenantId');
    }
  });

  it.each([
    [
      'message.created',
      { conversationId: 'c', message: { ...message, author: { type: 'robot', id: 'r' } } },
      'data.message.author.type',
    ],
    ['message.edited', { conversationId: 'c', message }, 'data.previousText'],
    ['message.retracted', { conversationId: 'c', messageId: 'm' }, 'data.retractedBy'],
    ['conversation.status_updated', { conversation, previousStatus: 'open' }, 'data.status'],
    [
      'conversation.assignee_updated',
      { conversation, previousAssignee: null, assignee: { agentId: 7 } },
      'data.assignee.agentId',
    ],
    [
      'conversation.created',
      { conversation: { ...conversation, createdAt: '2024-05-14 09:12' } },
      'data.conversation.createdAt',
    ],
    [
      'conversation.created',
      { conversation: { ...conversation, brandId: 'bad brand' } },
      'data.conversation.brandId',
    ],
    ['conversation.deleted', { conversationId: 'x'.repeat(129) }, 'data.conversationId'],
  ])('%s refuses a bad detail at %s', (type, data, path) => {
    const result = parseChatEvent(
      { detailType: type, detail: { tenantId: 't', brandId: 'b', data } },
      newEventId,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toContain(path);
  });

  it('accepts each event type with its minimal data', () => {
    // The types written here; an event type added to the catalogue later is covered by its sample above.
    const minimal: Partial<Record<EventType, unknown>> = {
      'conversation.created': { conversation },
      'conversation.deleted': { conversationId: 'c' },
      'conversation.property_updated': {
        conversation,
        changes: [{ property: 'priority', oldValue: null, newValue: 'high' }],
      },
      'conversation.status_updated': { conversation, previousStatus: 'open', status: 'solved' },
      'conversation.assignee_updated': { conversation, previousAssignee: null, assignee: { groupId: 'g' } },
      'message.created': { conversationId: 'c', message },
      'message.edited': {
        conversationId: 'c',
        message: { ...message, editedAt: '2024-05-14T10:00:00Z' },
        previousText: 'Hi',
      },
      'message.retracted': {
        conversationId: 'c',
        messageId: 'm',
        retractedBy: { type: 'system', id: 'moderation' },
      },
    };
    expect(Object.keys(minimal).length).toBeGreaterThan(0);
    for (const [type, data] of Object.entries(minimal)) {
      const result = parseChatEvent(
        { detailType: type, detail: { tenantId: 't', brandId: 'b', data } },
        newEventId,
      );
      expect({ type, ok: result.ok }).toEqual({ type, ok: true });
    }
  });
});

describe('buildTestEvent', () => {
  it('builds a webhook.test envelope for the tenant and brand', () => {
    const event = buildTestEvent('tenant-a', null, () => 'evt_test_1', new Date('2024-05-14T12:00:00.000Z'));
    expect(event).toMatchObject({
      id: 'evt_test_1',
      type: TEST_EVENT_TYPE,
      timestamp: '2024-05-14T12:00:00.000Z',
      tenantId: 'tenant-a',
      brandId: null,
    });
    expect(eventEnvelopeSchema.safeParse(event).success).toBe(true);
  });
});

describe('the envelope timestamp', () => {
  it.each([
    ['2026-03-01T13:00:00+01:00', '2026-03-01T12:00:00.000Z'],
    ['2026-03-01T12:00:00Z', '2026-03-01T12:00:00.000Z'],
    ['2026-03-01T12:00:00.123456Z', '2026-03-01T12:00:00.123Z'],
    ['2026-03-01T07:00:00.5-05:00', '2026-03-01T12:00:00.500Z'],
  ])('is one shape, UTC with milliseconds and Z, whatever the input (%s)', (occurredAt, expected) => {
    const detail = { tenantId: 't', brandId: 'b', occurredAt, data: { conversationId: 'conv_9' } };
    const parsed = parseChatEvent({ detailType: 'conversation.deleted', detail }, () => 'evt_1');
    expect(parsed.ok && parsed.event.timestamp).toBe(expected);
  });
});
