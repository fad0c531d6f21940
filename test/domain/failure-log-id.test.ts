import fc from 'fast-check';
import { decodeTime, isValid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { failureLogIdFor } from '#domain/failure-log-id';

const identity = fc.record({
  tenantId: fc.string({ minLength: 1, maxLength: 8 }),
  webhookId: fc.string({ minLength: 1, maxLength: 8 }),
  event: fc.record({
    id: fc.string({ minLength: 1, maxLength: 8 }),
    timestamp: fc
      .date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  }),
  attempts: fc.array(
    fc.record({
      at: fc
        .date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString()),
    }),
    { maxLength: 4 },
  ),
  messageId: fc.uuid(),
});

describe('failureLogIdFor', () => {
  it('is the same for the same delivery, a valid ULID timed by the last attempt (else the event)', () => {
    fc.assert(
      fc.property(identity, (delivery) => {
        const id = failureLogIdFor(delivery);
        expect(failureLogIdFor(structuredClone(delivery))).toBe(id);
        expect(id).toMatch(/^fl_/);
        expect(isValid(id.slice(3))).toBe(true);
        const at = delivery.attempts.at(-1)?.at ?? delivery.event.timestamp;
        expect(decodeTime(id.slice(3))).toBe(Date.parse(at));
      }),
    );
  });

  it('differs when the delivery differs', () => {
    fc.assert(
      fc.property(
        identity,
        fc.constantFrom('tenant', 'webhook', 'event', 'redelivery', 'attempt'),
        (delivery, field) => {
          const other = structuredClone(delivery) as typeof delivery & { redeliveryOf?: string };
          if (field === 'tenant') other.tenantId += 'x';
          if (field === 'webhook') other.webhookId += 'x';
          if (field === 'event') other.event.id += 'x';
          if (field === 'redelivery') other.redeliveryOf = 'fl_other';
          if (field === 'attempt') other.attempts = [...other.attempts, { at: '2100-01-02T00:00:00.000Z' }];
          expect(failureLogIdFor(other)).not.toBe(failureLogIdFor(delivery));
        },
      ),
    );
  });

  it('tells abandoned deliveries apart by message only when they have no attempts', () => {
    const base = { tenantId: 't', webhookId: 'w', event: { id: 'e', timestamp: '2026-01-01T00:00:00Z' } };
    expect(failureLogIdFor({ ...base, attempts: [], messageId: 'a' })).not.toBe(
      failureLogIdFor({ ...base, attempts: [], messageId: 'b' }),
    );
    const attempts = [{ at: '2026-01-01T00:00:01Z' }];
    expect(failureLogIdFor({ ...base, attempts, messageId: 'a' })).toBe(
      failureLogIdFor({ ...base, attempts, messageId: 'b' }),
    );
  });
});
