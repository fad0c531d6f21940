import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '#domain/model';
import { conversationIdOf, orderingFor, orderingGroupOf, withRedeliveryOrdering } from '#domain/ordering';

const event = (data: Record<string, unknown>, id = 'evt_1'): EventEnvelope => ({
  id,
  type: 'message.created',
  timestamp: '2026-12-01T10:00:00.000Z',
  tenantId: 'tenant-a',
  brandId: null,
  data,
});

describe('ordering (docs/contract.md#ordering)', () => {
  it('reads the conversation from data.conversation.id, else data.conversationId; anything unsendable orders nothing', () => {
    expect(conversationIdOf(event({ conversation: { id: 'c1' }, conversationId: 'c2' }))).toBe('c1');
    expect(conversationIdOf(event({ conversationId: 'c2' }))).toBe('c2');
    for (const bad of ['', 'with space', 'ü', 'a'.repeat(1025), 7, null])
      expect(conversationIdOf(event({ conversationId: bad }))).toBeUndefined();
    expect(conversationIdOf(event({}))).toBeUndefined();
  });

  it('orders only for ordering conversation, de-duplicates the bus’s retries and never a redelivery', () => {
    const delivery = { tenantId: 'tenant-a', webhookId: 'wh_1', event: event({ conversationId: 'c1' }) };
    expect(orderingFor('none', delivery)).toBeUndefined();
    const first = orderingFor('conversation', delivery);
    expect(first).toEqual(orderingFor('conversation', delivery));
    const task = { ...delivery, attempts: [] };
    const again = withRedeliveryOrdering({ ordering: 'conversation' }, task, 'rdl_1');
    const twice = withRedeliveryOrdering({ ordering: 'conversation' }, task, 'rdl_2');
    expect(again.ordered?.conversationId).toBe('c1');
    expect(
      new Set([first?.deduplicationId, again.ordered?.deduplicationId, twice.ordered?.deduplicationId]).size,
    ).toBe(3);
    expect(withRedeliveryOrdering({}, task, 'rdl_3').ordered).toBeUndefined();
  });

  it('gives every (tenant, webhook, conversation) its own SQS-valid group: no tenant can name another’s', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.string(), fc.string(), fc.string({ minLength: 1 })),
        fc.tuple(fc.string(), fc.string(), fc.string({ minLength: 1 })),
        ([tenantA, webhookA, conversationA], [tenantB, webhookB, conversationB]) => {
          const groupA = orderingGroupOf(
            { tenantId: tenantA, webhookId: webhookA },
            { conversationId: conversationA, deduplicationId: 'x' },
          );
          const groupB = orderingGroupOf(
            { tenantId: tenantB, webhookId: webhookB },
            { conversationId: conversationB, deduplicationId: 'x' },
          );
          expect(groupA).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
          const same = tenantA === tenantB && webhookA === webhookB && conversationA === conversationB;
          expect(groupA === groupB).toBe(same);
        },
      ),
    );
  });
});
