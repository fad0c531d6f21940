/** Limits on what a Detail may be, so a hostile event is rejected rather than stuck in retries. */
import { describe, expect, it } from 'vitest';
import { isNestedDeeperThan, MAX_DETAIL_DEPTH, parseChatEvent } from '#domain/event-catalogue';

const conversationDeleted = (extra: unknown) => ({
  tenantId: 'tenant-a',
  brandId: 'b',
  data: { conversationId: 'c1', extra },
});
const nested = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

describe('Detail nesting', () => {
  it('measures depth without recursion, even far beyond the stack', () => {
    expect(isNestedDeeperThan(nested(3), 3)).toBe(false);
    expect(isNestedDeeperThan(nested(4), 3)).toBe(true);
    expect(isNestedDeeperThan(JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`), 64)).toBe(true);
    expect(isNestedDeeperThan('text', 0)).toBe(false);
  });

  it('rejects a Detail nested deeper than the limit, keeping its tenant, and accepts one at the limit', () => {
    const tooDeep = parseChatEvent(
      {
        detailType: 'conversation.deleted',
        detail: `{"tenantId":"tenant-a","brandId":"b","data":{"conversationId":"c1","extra":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`,
      },
      () => 'evt_1',
    );
    expect(tooDeep).toMatchObject({ ok: false, reason: 'invalid_detail', tenantId: 'tenant-a' });
    // detail → data → extra add three levels above the nested value.
    const atLimit = parseChatEvent(
      { detailType: 'conversation.deleted', detail: conversationDeleted(nested(MAX_DETAIL_DEPTH - 3)) },
      () => 'evt_2',
    );
    expect(atLimit.ok).toBe(true);
    if (atLimit.ok) expect(() => JSON.stringify(atLimit.event)).not.toThrow();
  });
});

describe('event ids', () => {
  it.each(['has space', 'tab\there', 'line\nbreak', 'ünïcode', '😀', '\u0000'])(
    'rejects %j, which cannot travel as the webhook-id header',
    (id) => {
      const parsed = parseChatEvent(
        { detailType: 'conversation.deleted', detail: { ...conversationDeleted(1), id } },
        () => 'evt_x',
      );
      expect(parsed).toMatchObject({ ok: false, reason: 'invalid_detail', tenantId: 'tenant-a' });
      if (!parsed.ok) expect(parsed.issues.map((issue) => issue.path)).toContain('id');
    },
  );

  it('keeps a printable id as the event id', () => {
    const parsed = parseChatEvent(
      { detailType: 'conversation.deleted', detail: { ...conversationDeleted(1), id: 'evt_01:ab.c-d~!' } },
      () => 'evt_x',
    );
    expect(parsed.ok && parsed.event.id).toBe('evt_01:ab.c-d~!');
  });
});
