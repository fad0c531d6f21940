import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHAT_EVENT_RULES,
  CHAT_EVENT_SOURCE,
  chatEventRules,
  matchesEventRule,
} from '#domain/chat-event-rules';
import { EVENT_TYPES } from '#domain/event-catalogue';

const detailTypes = fc.oneof(
  fc.constantFrom(...EVENT_TYPES),
  fc.string({ maxLength: 40 }),
  fc.constantFrom(...EVENT_TYPES).map((type) => type.toUpperCase()),
);

describe('chat event rules', () => {
  it('name the chat platform source of docs/contract.md#events and the whole catalogue', () => {
    expect(CHAT_EVENT_SOURCE).toBe('chat.platform');
    expect(CHAT_EVENT_RULES.catalogue.detailType).toEqual({ anyOf: [...EVENT_TYPES] });
    expect(CHAT_EVENT_RULES.unknownType.detailType).toEqual({ anythingBut: [...EVENT_TYPES] });
  });

  it('match every chat event by exactly one rule, the catalogue rule for catalogue types', () => {
    fc.assert(
      fc.property(detailTypes, (detailType) => {
        const event = { source: CHAT_EVENT_SOURCE, detailType };
        const { catalogue, unknownType } = CHAT_EVENT_RULES;
        expect(matchesEventRule(catalogue, event)).toBe(
          (EVENT_TYPES as readonly string[]).includes(detailType),
        );
        expect(matchesEventRule(catalogue, event)).not.toBe(matchesEventRule(unknownType, event));
      }),
    );
  });

  it('match no event of another source, whatever the types routed', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }).filter((source) => source !== CHAT_EVENT_SOURCE),
        detailTypes,
        fc.subarray([...EVENT_TYPES]),
        (source, detailType, types) => {
          const rules = chatEventRules(types);
          expect(matchesEventRule(rules.catalogue, { source, detailType })).toBe(false);
          expect(matchesEventRule(rules.unknownType, { source, detailType })).toBe(false);
        },
      ),
    );
  });
});
