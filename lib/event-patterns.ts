/** The domain's bus rules (src/domain/chat-event-rules.ts) as EventBridge event patterns. */
import * as events from 'aws-cdk-lib/aws-events';
import { CHAT_EVENT_SOURCE, type ChatEventRule } from '#domain/chat-event-rules';

/** The EventBridge pattern of `rule`. */
export function eventPatternOf(rule: ChatEventRule): events.EventPattern {
  return {
    source: [rule.source],
    detailType:
      'anyOf' in rule.detailType
        ? [...rule.detailType.anyOf]
        : events.Match.anythingBut(...rule.detailType.anythingBut),
  };
}

/** Every event of the chat platform, whatever its detail-type: what the bus archive keeps. */
export const CHAT_EVENTS_PATTERN: events.EventPattern = { source: [CHAT_EVENT_SOURCE] };
