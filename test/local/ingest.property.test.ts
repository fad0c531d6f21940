/**
 * The EventBridge-compatible ingest under hostile input: raw PutEvents bodies over HTTP and hostile
 * `Detail`s through the real EventBridge client. The process keeps serving, the ingest never answers
 * 5xx, and every accepted chat event either fans out or is recorded as a rejected event.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_CATALOGUE, EVENT_TYPES } from '#domain/event-catalogue';
import { signedAwsHeaders } from '../support/aws-signing';
import { anyJson, hostileText } from '../support/hostile-inputs';
import { chatEvent, startTestService, TENANT_B_TOKEN, type TestService } from '../support/local-service';
import { sendRaw } from '../support/raw-http';
import { eventually, type Receiver, startReceiver } from '../support/receiver';

let service: TestService;
let receiver: Receiver;
let events: EventBridgeClient;
const tally = new Map<string, { tried: number; fiveXX: number; accepted: number; sdkErrors: number }>();

function count(property: string) {
  const counts = tally.get(property) ?? { tried: 0, fiveXX: 0, accepted: 0, sdkErrors: 0 };
  tally.set(property, counts);
  return counts;
}

beforeAll(async () => {
  receiver = await startReceiver();
  service = await startTestService({ RETRY_SCHEDULE: '1', DELIVERY_TIMEOUT_MS: '1000' });
  events = new EventBridgeClient({
    endpoint: service.url,
    region: 'us-east-1',
    credentials: { ...service.runtime.awsKey },
    maxAttempts: 1,
  });
  // Tenant B's sink takes every catalogue event for every brand: whatever is not rejected lands here.
  const sink = await service.api(
    'POST',
    '/v1/webhooks',
    { name: 'sink', events: [...EVENT_TYPES], url: receiver.url('/b-sink') },
    TENANT_B_TOKEN,
  );
  expect(sink.status).toBe(201);
});

afterAll(async () => {
  console.log(
    `ingest hostile input:\n${[...tally].map(([name, c]) => `  ${name}: tried=${c.tried} 5xx=${c.fiveXX} accepted=${c.accepted} sdk_4xx=${c.sdkErrors}`).join('\n')}`,
  );
  events?.destroy();
  await service?.stop();
  await receiver?.close();
});

const entryField = fc.oneof(
  hostileText,
  anyJson,
  fc.constantFrom('chat.platform', 'chat-events', ...EVENT_TYPES),
);

/** One PutEvents entry as a hostile client might shape it. */
const rawEntry = fc.oneof(
  anyJson,
  fc.record(
    {
      Source: entryField,
      DetailType: entryField,
      Detail: fc.oneof(
        entryField,
        anyJson.map((value) => JSON.stringify(value)),
      ),
      EventBusName: fc.oneof(
        entryField,
        fc.constantFrom('chat-events', 'arn:aws:events:us-east-1:1:event-bus/chat-events'),
      ),
      Time: fc.oneof(entryField, fc.integer(), fc.double()),
      Resources: fc.oneof(anyJson, fc.array(hostileText, { maxLength: 3 })),
      __proto__: anyJson,
    },
    { requiredKeys: [] },
  ),
);

const rawPutEventsBody = fc.oneof(
  anyJson.map((value) => JSON.stringify(value)),
  fc.array(rawEntry, { maxLength: 12 }).map((entries) => JSON.stringify({ Entries: entries })),
  fc.constantFrom(
    '',
    '{',
    'null',
    '[]',
    '{"Entries":null}',
    '{"Entries":{}}',
    '{"Entries":"x"}',
    '{"Entries":[]}',
    '{"Entries":[null]}',
    `{"Entries":[${'{},'.repeat(10)}{}]}`,
    `{"Entries":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
    `{"Entries":[{"Source":"chat.platform","DetailType":"message.created","Detail":"${'x'.repeat(300_000)}"}]}`,
    '{"__proto__":{"Entries":[{}]}}',
  ),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

/** A catalogue event's Detail for tenant B, as text, with something (or nothing) made hostile. */
function hostileDetail(type: string): fc.Arbitrary<string> {
  const sample = EVENT_CATALOGUE.find((entry) => entry.type === type)!.samplePayload as {
    brandId: string;
    data: Record<string, unknown>;
  };
  const base = { tenantId: 'tenant-b', brandId: sample.brandId, data: sample.data };
  const firstDataField = Object.keys(sample.data)[0]!;
  const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return fc.oneof(
    fc.constant(JSON.stringify(base)),
    anyJson.map((data) => JSON.stringify({ ...base, data })),
    fc
      .tuple(
        fc.constantFrom('brandId', 'id', 'occurredAt', 'data', firstDataField),
        fc.oneof(anyJson, hostileText),
      )
      .map(([field, value]) =>
        JSON.stringify(
          field === firstDataField
            ? { ...base, data: { ...sample.data, [field]: value } }
            : { ...base, [field]: value },
        ),
      ),
    fc
      .constantFrom('__proto__', 'constructor', 'prototype')
      .map((key) => JSON.stringify(base).replace('{', `{"${key}":{"tenantId":"tenant-a","polluted":true},`)),
    // Deep nesting inside a field that passes through unchecked.
    fc
      .integer({ min: 20, max: 40_000 })
      .map((depth) => JSON.stringify(base).replace('"data":{', `"data":{"extra":${deep(depth)},`)),
    // Huge strings and unicode in pass-through fields (the whole entry stays under 256 KB).
    fc
      .tuple(fc.integer({ min: 1_000, max: 200_000 }), fc.constantFrom('x', 'é', '😀', '"', '\\', '\u0000'))
      .map(([size, unit]) =>
        JSON.stringify({
          ...base,
          data: {
            ...sample.data,
            note: unit.repeat(Math.floor(size / Buffer.byteLength(JSON.stringify(unit)))),
          },
        }),
      ),
  );
}

const hostileChatEntry: fc.Arbitrary<PutEventsRequestEntry> = fc.constantFrom(...EVENT_TYPES).chain((type) =>
  hostileDetail(type).map((detail) => ({
    Source: 'chat.platform',
    DetailType: type,
    Detail: detail,
    EventBusName: 'chat-events',
  })),
);

async function listAll(path: string, token: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let cursor: string | null = null;
  do {
    const page = await service.api(
      'GET',
      `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      undefined,
      token,
    );
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

describe('the event ingest under hostile input', () => {
  it('answers raw PutEvents bodies with a 4xx AWS error or per-entry results, never a 5xx', async () => {
    const counts = count('raw PutEvents');
    await fc.assert(
      fc.asyncProperty(rawPutEventsBody, async (body) => {
        counts.tried++;
        const response = await sendRaw(service.url, {
          method: 'POST',
          path: '/',
          // Signed with the DATA_DIR key: what is under test is the body, past the caller check.
          headers: await signedAwsHeaders(service.url, service.runtime.awsKey, body, {
            target: 'AWSEvents.PutEvents',
          }),
          body,
        });
        if (response.status >= 500) counts.fiveXX++;
        expect(response.status, `${body.slice(0, 200)} → ${response.text.slice(0, 200)}`).toBeLessThan(500);
        const answer = JSON.parse(response.text) as {
          __type?: string;
          FailedEntryCount?: number;
          Entries?: unknown[];
        };
        if (response.status === 200) {
          const sent = (JSON.parse(body) as { Entries: unknown[] }).Entries;
          expect(answer.Entries).toHaveLength(sent.length);
          counts.accepted += sent.length - answer.FailedEntryCount!;
        } else {
          expect(response.status).toBe(400);
          expect(answer.__type).toEqual(expect.any(String));
        }
      }),
      { numRuns: 200 },
    );
    expect((await service.api('GET', '/health', undefined, null)).status).toBe(200);
  });

  it('fans out or rejects every accepted chat event with a hostile Detail, and still delivers afterwards', async () => {
    const counts = count('hostile Details via the SDK');
    const rejectedBefore = (await listAll('/v1/rejected-events', TENANT_B_TOKEN)).length;
    const hitsBefore = receiver.hits('/b-sink').length;
    await fc.assert(
      fc.asyncProperty(fc.array(hostileChatEntry, { minLength: 1, maxLength: 3 }), async (entries) => {
        counts.tried += entries.length;
        try {
          const result = await events.send(new PutEventsCommand({ Entries: entries }));
          counts.accepted += (result.Entries ?? []).filter((entry) => entry.EventId).length;
        } catch (error) {
          const status =
            (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
          if (status >= 500) counts.fiveXX++;
          // The SDK may refuse a request (over 256 KB): an AWS 4xx, never a 5xx.
          expect(status, String(error)).toBeGreaterThanOrEqual(400);
          expect(status, String(error)).toBeLessThan(500);
          counts.sdkErrors++;
        }
      }),
      { numRuns: 150 },
    );
    expect(counts.accepted).toBeGreaterThan(0);

    // Every accepted event ends up either delivered to the sink or listed as rejected. Delivery is
    // at-least-once, so a second copy of one event (a redelivery on a loaded machine) counts once.
    const deliveredEvents = () =>
      new Set(
        receiver
          .hits('/b-sink')
          .slice(hitsBefore)
          .map((hit) => String(hit.headers['webhook-id'])),
      ).size;
    const settled = await eventually(
      async () => {
        const rejected = (await listAll('/v1/rejected-events', TENANT_B_TOKEN)).length - rejectedBefore;
        const delivered = deliveredEvents();
        return rejected + delivered >= counts.accepted ? { rejected, delivered } : undefined;
      },
      45_000,
      `${counts.accepted} accepted events to be delivered or rejected`,
    ).catch(async (error: unknown) => {
      const rejected = (await listAll('/v1/rejected-events', TENANT_B_TOKEN)).length - rejectedBefore;
      const delivered = deliveredEvents();
      throw new Error(
        `${String(error)}: accepted=${counts.accepted} rejected=${rejected} delivered=${delivered}`,
      );
    });
    console.log(
      `hostile Details: accepted=${counts.accepted} delivered=${settled.delivered} rejected=${settled.rejected}`,
    );
    expect(settled.rejected + settled.delivered).toBe(counts.accepted);
    for (const hit of receiver.hits('/b-sink').slice(hitsBefore)) {
      expect(JSON.parse(hit.body).tenantId).toBe('tenant-b');
    }
    // The pipeline is not blocked: a valid event published now is delivered.
    const before = receiver.hits('/b-sink').length;
    await service.publish([
      chatEvent('conversation.deleted', {
        tenantId: 'tenant-b',
        brandId: 'b',
        data: { conversationId: 'after-barrage' },
      }),
    ]);
    await receiver.waitFor(
      () =>
        receiver
          .hits('/b-sink')
          .slice(before)
          .some((hit) => hit.body.includes('after-barrage')),
      20_000,
      'a valid event after the barrage',
    );
  });
});
