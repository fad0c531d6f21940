/**
 * The bus rules the stack deploys and the local bus's rules agree, and together catch every
 * chat.platform event: each detail-type matches exactly one of the two rules (catalogue or unknown).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '#domain/event-catalogue';
import { matchesChatEventRule, matchesUnknownChatEventRule } from '#local/local-bus';
import { buildStacks, resourcesOfType } from './cdk-fixtures';

type PatternValue = string | { 'anything-but': string[] };
interface EventPattern {
  source: PatternValue[];
  'detail-type': PatternValue[];
}

/** EventBridge's matching of the two pattern forms the stack uses: exact strings and anything-but. */
function matchesValue(pattern: PatternValue[], value: string): boolean {
  return pattern.some((entry) =>
    typeof entry === 'string' ? entry === value : !entry['anything-but'].includes(value),
  );
}

function matches(pattern: EventPattern, event: { source: string; detailType: string }): boolean {
  return matchesValue(pattern.source, event.source) && matchesValue(pattern['detail-type'], event.detailType);
}

describe('bus rules', () => {
  const { serviceTemplate } = buildStacks();
  const patterns = Object.values(resourcesOfType(serviceTemplate, 'AWS::Events::Rule')).map(
    (rule) => rule.Properties.EventPattern as EventPattern,
  );

  const cataloguePattern = patterns.find((pattern) =>
    pattern['detail-type'].every((entry) => typeof entry === 'string'),
  );

  const detailTypes = fc.oneof(
    fc.constantFrom(...EVENT_TYPES),
    fc.string({ minLength: 1, maxLength: 40 }),
    fc.constantFrom(...EVENT_TYPES).map((type) => `${type} `),
    fc.constantFrom(...EVENT_TYPES).map((type) => type.toUpperCase()),
  );

  it('send every chat.platform event to exactly one rule, as the local bus does', () => {
    expect(patterns).toHaveLength(2);
    fc.assert(
      fc.property(detailTypes, (detailType) => {
        const event = { source: 'chat.platform', detailType };
        const matching = patterns.filter((pattern) => matches(pattern, event));
        expect(matching).toHaveLength(1);
        // The local bus routes it as AWS would: by the catalogue rule or by the unknown-type rule.
        expect(matchesChatEventRule(event)).toBe(matching[0] === cataloguePattern);
        expect(matchesChatEventRule(event) || matchesUnknownChatEventRule(event)).toBe(true);
        expect(matchesChatEventRule(event) && matchesUnknownChatEventRule(event)).toBe(false);
      }),
    );
  });

  it('match no event of another source (the service notices among them), locally neither', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 30 }).filter((source) => source !== 'chat.platform'),
        detailTypes,
        (source, detailType) => {
          const event = { source, detailType };
          expect(patterns.some((pattern) => matches(pattern, event))).toBe(false);
          expect(matchesChatEventRule(event) || matchesUnknownChatEventRule(event)).toBe(false);
        },
      ),
    );
  });
});
