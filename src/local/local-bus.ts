/**
 * The local event bus: accepted events wait on a durable queue, and the bus rules (the ones the
 * CDK stack deploys, from src/domain/chat-event-rules.ts) decide which reach the fan-out handler:
 * chat events of the catalogue, and chat events of any other detail-type, which fan-out records as
 * rejected (unknown event type). Events no rule matches (other sources) are dropped, as on AWS.
 */
import type { SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { Context, EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { NOTICE_SOURCE } from '#adapters/eventbridge-notice-publisher';
import { CHAT_EVENT_RULES, matchesEventRule } from '#domain/chat-event-rules';
import { TENANT_ID_PATTERN, UNREADABLE_TENANT_KEY } from '#domain/event-catalogue';
import { logger } from '#observability';
import type { BusEvent } from './eventbridge-ingest';
import { lambdaContext } from './server';

/**
 * SendMessageBatch entries that store accepted events on the bus queue, each in its tenant's message
 * group: the bus queue serves tenants in turn, so one tenant's burst of events waits behind nobody's
 * fan-out but its own.
 */
export function busQueueEntries(events: BusEvent[]): SendMessageBatchRequestEntry[] {
  return events.map((event, index) => ({
    Id: String(index),
    MessageBody: JSON.stringify(event),
    MessageGroupId: busGroupOf(event.detail),
  }));
}

/** The tenant an event's Detail names, or one shared group for the ones whose tenant cannot be read. */
export function busGroupOf(detail: string): string {
  try {
    const tenantId = (JSON.parse(detail) as { tenantId?: unknown } | null)?.tenantId;
    if (typeof tenantId === 'string' && TENANT_ID_PATTERN.test(tenantId)) return tenantId;
  } catch {
    // Not JSON: the fan-out records it as rejected; it waits its turn with the other unreadable ones.
  }
  return UNREADABLE_TENANT_KEY;
}

/** Does the stack's rule (source chat.platform, the catalogue's detail-types) match this event? */
export function matchesChatEventRule(event: Pick<BusEvent, 'source' | 'detailType'>): boolean {
  return matchesEventRule(CHAT_EVENT_RULES.catalogue, event);
}

/**
 * Does the stack's unknown-type rule (source chat.platform, any detail-type but the catalogue's)
 * match this event? Its target is the fan-out too, which records the event as rejected.
 */
export function matchesUnknownChatEventRule(event: Pick<BusEvent, 'source' | 'detailType'>): boolean {
  return matchesEventRule(CHAT_EVENT_RULES.unknownType, event);
}

/** The event EventBridge hands a rule's Lambda target. */
export function toEventBridgeEvent(event: BusEvent, region: string): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: event.id,
    'detail-type': event.detailType,
    source: event.source,
    account: '000000000000',
    time: event.time,
    region,
    resources: event.resources,
    detail: JSON.parse(event.detail) as unknown,
  };
}

/** The service's own notices (e.g. `webhook.disabled`): nothing routes them locally, so they are logged. */
function isServiceNotice(event: Pick<BusEvent, 'source'>): boolean {
  return event.source === NOTICE_SOURCE;
}

/** Parses a Detail string for a log line; the raw text when it is not JSON. */
function readableDetail(detail: string): unknown {
  try {
    return JSON.parse(detail) as unknown;
  } catch {
    return detail;
  }
}

export interface BusDispatcherOptions {
  /** Told about every event that reaches the bus, whether a rule matches it or not (tests, tooling). */
  onEvent?: (event: BusEvent) => void;
}

/** An SQS-batch handler that delivers bus events to the rule's target, retrying the ones it throws on. */
export function createBusDispatcher(
  target: (event: EventBridgeEvent<string, unknown>, context: Context) => Promise<unknown>,
  options: BusDispatcherOptions = {},
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (batch) => {
    const failures: { itemIdentifier: string }[] = [];
    await Promise.all(
      batch.Records.map(async (record) => {
        let event: BusEvent;
        try {
          event = JSON.parse(record.body) as BusEvent;
        } catch {
          logger.error('Dropping an unreadable bus record', { messageId: record.messageId });
          return;
        }
        try {
          options.onEvent?.(event);
        } catch (error) {
          logger.warn('Bus event tap failed', { eventId: event.id, error: String(error) });
        }
        if (isServiceNotice(event)) {
          // On AWS operators route these with their own rules; locally the log is where they surface.
          logger.info('Service notice on the bus', {
            eventId: event.id,
            source: event.source,
            detailType: event.detailType,
            detail: readableDetail(event.detail),
          });
          return;
        }
        if (!matchesChatEventRule(event) && !matchesUnknownChatEventRule(event)) {
          logger.info('Bus event matched no rule', {
            eventId: event.id,
            source: event.source,
            detailType: event.detailType,
          });
          return;
        }
        try {
          await target(toEventBridgeEvent(event, 'local'), lambdaContext('chat-webhooks-fan-out'));
        } catch (error) {
          logger.warn('Fan-out failed; the bus will retry the event', {
            eventId: event.id,
            error: String(error),
          });
          failures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures: failures };
  };
}

/**
 * The local bus's dead-lettered events as AWS's fan-out DLQ holds them: the EventBridge event as the
 * body and the failure in ERROR_CODE/ERROR_MESSAGE attributes, so the same fan-out DLQ processor
 * handles both. A body that is not a bus event is passed on as it is (the processor records it too).
 */
export function asFanOutDeadLetters(batch: SQSEvent): SQSEvent {
  return {
    Records: batch.Records.map((record) => {
      let body = record.body;
      try {
        body = JSON.stringify(toEventBridgeEvent(JSON.parse(record.body) as BusEvent, 'local'));
      } catch {
        // Unreadable: recorded as it is, under the key no tenant can equal.
      }
      const attribute = (value: string) => ({ stringValue: value, dataType: 'String' });
      return {
        ...record,
        body,
        messageAttributes: {
          ...record.messageAttributes,
          ERROR_CODE: attribute('LocalFanOutFailed'),
          ERROR_MESSAGE: attribute(
            `the fan-out failed ${record.attributes.ApproximateReceiveCount} time(s) here`,
          ),
        },
      };
    }),
  };
}
