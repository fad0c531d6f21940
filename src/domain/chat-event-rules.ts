/**
 * Which bus events reach the fan-out (docs/contract.md#events, #aws-stack): the one definition of the chat
 * platform's event source and of the two bus rules, read by the CDK stack (lib/constructs/
 * event-ingest.ts writes them as EventBridge patterns) and by the local bus (src/local/local-bus.ts
 * matches events against them), so the two cannot route differently.
 */
import { EVENT_TYPES } from './event-catalogue';

/** The only source whose events are fanned out (the bus also carries the service's own notices). */
export const CHAT_EVENT_SOURCE = 'chat.platform';

/** A bus rule: events of `source` whose detail-type is one of a list, or anything but one of a list. */
export interface ChatEventRule {
  readonly source: typeof CHAT_EVENT_SOURCE;
  readonly detailType: { readonly anyOf: readonly string[] } | { readonly anythingBut: readonly string[] };
}

/** The two rules, for the detail-types of the catalogue (or of a subset a stack routes). */
export interface ChatEventRules {
  /** Chat events of a catalogue detail-type. */
  readonly catalogue: ChatEventRule;
  /**
   * Chat events of any other detail-type, which the fan-out records as rejected (unknown event
   * type), so a typo on the platform's side shows up instead of matching nothing.
   */
  readonly unknownType: ChatEventRule;
}

/** The rules for `eventTypes`; together they match every chat event exactly once. */
export function chatEventRules(eventTypes: readonly string[] = EVENT_TYPES): ChatEventRules {
  return {
    catalogue: { source: CHAT_EVENT_SOURCE, detailType: { anyOf: [...eventTypes] } },
    unknownType: { source: CHAT_EVENT_SOURCE, detailType: { anythingBut: [...eventTypes] } },
  };
}

/** The rules the service runs with: the whole catalogue. */
export const CHAT_EVENT_RULES: ChatEventRules = chatEventRules();

/** Does `rule` match an event of this source and detail-type (EventBridge's exact-string matching)? */
export function matchesEventRule(
  rule: ChatEventRule,
  event: { readonly source: string; readonly detailType: string },
): boolean {
  if (event.source !== rule.source) return false;
  return 'anyOf' in rule.detailType
    ? rule.detailType.anyOf.includes(event.detailType)
    : !rule.detailType.anythingBut.includes(event.detailType);
}
