/**
 * The delivery log's first-attempt successes of events whose id claim carries the payload: a delivery
 * batch writes one group per webhook and one tenant ref that lists the batch's events, and no event
 * ref; the event search finds them through the tenant index around the event's time, which the claim's
 * payload names (docs/storage.md). Run on every store of the matrix, through the real SDK.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { itemSizeBytes } from '#adapters/aws-clients';
import { DynamoDeliveryLogRepository } from '#adapters/dynamodb/delivery-log-repository';
import { DynamoEventIdRegistry } from '#adapters/dynamodb/event-id-registry';
import type { DeliveryOutcome } from '#domain/delivery-log';
import {
  TENANT_REF_BASE_BYTES,
  TENANT_REF_EVENT_BYTES,
  TENANT_REF_GROUP_BYTES,
} from '#domain/delivery-log-cost';
import type { PageKey } from '#domain/model';
import type { OutcomeBatch } from '#domain/ports';
import { outcome } from '#test/contracts/delivery-log-repository.contract';
import { newTenant } from '#test/contracts/tenants';
import { describeEachStore, recordingBatchWrites } from '#test/support/dynamodb-stores';
import { ManualClock } from '#test/support/in-memory-ports';

const farFuture = new Date('2100-01-01T00:00:00Z');

/** A delivery batch of `tasks` tasks, as the delivery step counts it (app/delivery-log.ts). */
function batchOf(tasks: number): { batch: OutcomeBatch; reported: () => void } {
  let remaining = tasks;
  const listeners: (() => void)[] = [];
  return {
    batch: {
      onComplete(listener) {
        if (remaining <= 0) listener();
        else listeners.push(listener);
      },
    },
    reported() {
      remaining -= 1;
      if (remaining === 0) for (const listener of listeners.splice(0)) listener();
    },
  };
}

/** A document-form item in DynamoDB's wire form (`{ S: … }`, `{ N: … }` …), as itemSizeBytes sizes it. */
function wireForm(value: unknown): unknown {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (value instanceof Uint8Array) return { B: value };
  if (Array.isArray(value)) return { L: value.map(wireForm) };
  if (value && typeof value === 'object') return { M: wireItem(value as Record<string, unknown>) };
  return { NULL: true };
}

function wireItem(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([name, entry]) => [name, wireForm(entry)]));
}

/** Every page of `query`, following the cursors; each item's id once per page it appears on. */
async function allPages(
  log: DynamoDeliveryLogRepository,
  tenantId: string,
  query: { eventId?: string; webhookId?: string; limit: number },
): Promise<string[]> {
  const ids: string[] = [];
  let startKey: PageKey | undefined;
  do {
    const page = await log.list(tenantId, { ...query, ...(startKey ? { startKey } : {}) });
    ids.push(...page.items.map((item) => item.id));
    startKey = page.nextKey;
  } while (startKey);
  return ids;
}

describeEachStore('delivery log: events listed by the tenant index around their time', ({ store }) => {
  /** Claims `eventId` with a payload naming `timestamp`, as fan-out does in mode `all`. */
  async function claimWithPayload(
    registry: DynamoEventIdRegistry,
    tenantId: string,
    eventId: string,
    timestamp: string,
    claimUntil = farFuture,
  ): Promise<void> {
    const body = JSON.stringify({ id: eventId, type: 'message.created', timestamp, tenantId, data: {} });
    const result = await registry.claim(
      { tenantId, eventId, fingerprint: `fp-${timestamp}`, payload: { body, expiresAt: farFuture } },
      claimUntil,
    );
    expect(result.claimed).toBe(true);
  }

  /** The first-attempt successes of `events` × `webhooks`, tried `offsetMs` after `eventAt`. */
  function deliveriesOf(
    tenantId: string,
    events: string[],
    webhooks: string[],
    eventAt: string,
    offsetMs: number,
  ): DeliveryOutcome[] {
    return events.flatMap((eventId, event) =>
      webhooks.map((webhookId, index) => {
        const at = new Date(Date.parse(eventAt) + offsetMs + event * 3 + index).toISOString();
        return { ...outcome(tenantId, { webhookId, eventId, firstAttemptAt: at }), eventAnchor: eventAt };
      }),
    );
  }

  /** Records `deliveries` as one delivery batch of that many tasks. */
  async function recordBatch(log: DynamoDeliveryLogRepository, deliveries: DeliveryOutcome[]): Promise<void> {
    const { batch, reported } = batchOf(deliveries.length);
    await Promise.all(
      deliveries.map((delivery) => {
        const writing = log.recordOutcome(delivery, farFuture, batch);
        reported();
        return writing;
      }),
    );
  }

  it('writes one group per webhook and one tenant ref for a batch, no event ref; every read finds each delivery once', async () => {
    const tenantId = newTenant();
    const eventAt = '2026-11-29T10:00:00.000Z';
    const registry = new DynamoEventIdRegistry(store().client, store().tableName);
    // Ids as long as the service's: a bus event's (a UUID), a webhook's (a ULID).
    const events = Array.from({ length: 4 }, () => `evt_${randomUUID()}`);
    const webhooks = Array.from({ length: 5 }, (_, index) => `wh_01JWIN${String(index).padStart(20, 'A')}`);
    for (const eventId of events) await claimWithPayload(registry, tenantId, eventId, eventAt);
    const written: Record<string, unknown>[] = [];
    const log = new DynamoDeliveryLogRepository(
      recordingBatchWrites(store().client, written),
      store().tableName,
    );
    const deliveries = deliveriesOf(tenantId, events, webhooks, eventAt, 150);

    await recordBatch(log, deliveries);

    // 5 groups and 1 tenant ref for 20 deliveries: 0.3 items per delivery, none in an event's partition.
    expect(written.filter((item) => String(item.pk).includes('#EV#'))).toEqual([]);
    expect(written.filter((item) => item.kind === 'delivery-group')).toHaveLength(webhooks.length);
    const refs = written.filter((item) => item.kind === 'delivery-index');
    expect(refs).toHaveLength(1);
    expect(new Set(refs[0]?.events as string[])).toEqual(new Set(events));
    // Within the cost model's figures (src/domain/delivery-log-cost.ts), under 1 KB: one write unit.
    const refBytes = itemSizeBytes(wireItem(refs[0]!));
    expect(refBytes).toBeLessThanOrEqual(
      TENANT_REF_BASE_BYTES +
        webhooks.length * TENANT_REF_GROUP_BYTES +
        events.length * TENANT_REF_EVENT_BYTES,
    );
    expect(refBytes).toBeLessThanOrEqual(1024);

    const reader = new DynamoDeliveryLogRepository(store().client, store().tableName);
    for (const eventId of events) {
      const expected = deliveries
        .filter((delivery) => delivery.eventId === eventId)
        .map((delivery) => delivery.deliveryId)
        .reverse();
      expect(await allPages(reader, tenantId, { eventId, limit: 2 })).toEqual(expected);
      const oneWebhook = await reader.list(tenantId, { eventId, webhookId: webhooks[3]!, limit: 10 });
      expect(oneWebhook.items.map((item) => item.id)).toEqual(
        expected.filter((id) => id.endsWith(webhooks[3]!)),
      );
    }
    const everything = await allPages(reader, tenantId, { limit: 7 });
    expect([...everything].sort()).toEqual(deliveries.map((delivery) => delivery.deliveryId).sort());
    for (const delivery of deliveries) {
      const { deliveryId, attempt, earlierAttempts: _none, eventAnchor: _anchor, ...fields } = delivery;
      expect(await reader.get(tenantId, deliveryId)).toEqual({
        ...fields,
        id: deliveryId,
        attempts: [attempt],
      });
    }
  });

  it('keeps the event ref of a delivery tried outside its event’s window (a backlog), and finds both kinds', async () => {
    const tenantId = newTenant();
    const eventAt = '2026-11-29T11:00:00.000Z';
    const registry = new DynamoEventIdRegistry(store().client, store().tableName);
    const [late, prompt] = [
      `evt_late_${randomBytes(6).toString('hex')}`,
      `evt_now_${randomBytes(6).toString('hex')}`,
    ];
    await claimWithPayload(registry, tenantId, late!, eventAt);
    await claimWithPayload(registry, tenantId, prompt!, eventAt);
    const written: Record<string, unknown>[] = [];
    const log = new DynamoDeliveryLogRepository(
      recordingBatchWrites(store().client, written),
      store().tableName,
    );
    const webhooks = ['wh_01JLATEAAAAAAAAAAAAAAAAAAA', 'wh_01JLATEBBBBBBBBBBBBBBBBBBB'];
    const lateOnes = deliveriesOf(tenantId, [late!], webhooks, eventAt, 10 * 60_000);
    const promptOnes = deliveriesOf(tenantId, [prompt!], webhooks, eventAt, 20);

    await recordBatch(log, [...lateOnes, ...promptOnes]);

    expect(written.filter((item) => String(item.pk).includes(`#EV#${late}`))).toHaveLength(1);
    expect(written.filter((item) => String(item.pk).includes(`#EV#${prompt}`))).toHaveLength(0);
    const reader = new DynamoDeliveryLogRepository(store().client, store().tableName);
    expect(await allPages(reader, tenantId, { eventId: late!, limit: 1 })).toEqual(
      lateOnes.map((delivery) => delivery.deliveryId).reverse(),
    );
    expect(await allPages(reader, tenantId, { eventId: prompt!, limit: 1 })).toEqual(
      promptOnes.map((delivery) => delivery.deliveryId).reverse(),
    );
  });

  it('still finds an earlier event’s deliveries after its id is claimed again once its window is over', async () => {
    const tenantId = newTenant();
    const clock = new ManualClock('2026-11-29T12:00:00.000Z');
    const registry = new DynamoEventIdRegistry(store().client, store().tableName, clock);
    const eventId = `evt_reused_${randomBytes(6).toString('hex')}`;
    const webhooks = ['wh_01JREUSEAAAAAAAAAAAAAAAAAA', 'wh_01JREUSEBBBBBBBBBBBBBBBBBB'];
    const log = new DynamoDeliveryLogRepository(store().client, store().tableName, clock);

    const firstAt = '2026-11-29T12:00:00.000Z';
    await claimWithPayload(registry, tenantId, eventId, firstAt, new Date('2026-11-30T12:00:00.000Z'));
    const first = deliveriesOf(tenantId, [eventId], webhooks, firstAt, 100);
    await recordBatch(log, first);

    clock.set('2026-12-01T12:00:00.000Z');
    const secondAt = '2026-12-01T12:00:00.000Z';
    await claimWithPayload(registry, tenantId, eventId, secondAt, new Date('2026-12-02T12:00:00.000Z'));
    const second = deliveriesOf(tenantId, [eventId], webhooks, secondAt, 100);
    await recordBatch(log, second);

    expect(await allPages(log, tenantId, { eventId, limit: 3 })).toEqual(
      [...first, ...second].map((delivery) => delivery.deliveryId).reverse(),
    );
  });
});
