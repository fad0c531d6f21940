/**
 * The fan-out DLQ processor's use case: a chat event that exhausted EventBridge's retries of the
 * fan-out (a store or queue outage longer than the retry policy) is recorded as a rejected event
 * with reason `fan_out_failed`, so its tenant and ops can list it in `GET /v1/rejected-events`,
 * and replayed from the bus archive (README "Replaying events"). Nothing here delivers it again:
 * the outage that defeated 8 retries over 24 hours is not over just because a message arrived.
 */

import type { BatchResult } from '#domain/delivery-task';
import { TENANT_ID_PATTERN, UNREADABLE_TENANT_KEY } from '#domain/event-catalogue';
import type { RejectedEvent } from '#domain/model';
import { describeError, logger, MetricUnit, metrics } from '#observability';
import { snippetOf } from './fan-out';
import type { Services } from './services';

/** The reason recorded for a chat event the fan-out never processed. */
export const FAN_OUT_FAILED_REASON = 'fan_out_failed';

/** A message of the fan-out DLQ: the EventBridge event as body, the failure in message attributes. */
export interface FanOutDeadLetterMessage {
  messageId: string;
  body: string;
  /** EventBridge sets ERROR_CODE, ERROR_MESSAGE, RULE_ARN and TARGET_ARN on dead-lettered events. */
  messageAttributes?: Record<string, { stringValue?: string | undefined } | undefined>;
}

/** The parts of an EventBridge event the record needs; everything optional, the body may be junk. */
interface DeadLetteredEvent {
  id?: unknown;
  source?: unknown;
  'detail-type'?: unknown;
  time?: unknown;
  detail?: unknown;
}

function parseEvent(body: string): DeadLetteredEvent | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as DeadLetteredEvent)
      : undefined;
  } catch {
    return undefined;
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The tenant named by the event's detail, when it names a valid one; else the key no tenant can equal. */
function tenantOf(detail: unknown): string {
  const tenantId =
    typeof detail === 'object' && detail !== null ? (detail as { tenantId?: unknown }).tenantId : undefined;
  return typeof tenantId === 'string' && TENANT_ID_PATTERN.test(tenantId) ? tenantId : UNREADABLE_TENANT_KEY;
}

/** Builds the rejected-event record of one dead-lettered message (pure; the id and clock are given). */
export function buildFanOutFailure(input: {
  id: string;
  message: FanOutDeadLetterMessage;
  receivedAt: Date;
}): RejectedEvent {
  const { message } = input;
  const event = parseEvent(message.body);
  const attribute = (name: string) => message.messageAttributes?.[name]?.stringValue;
  const errorCode = attribute('ERROR_CODE') ?? 'unknown error';
  const errorMessage = attribute('ERROR_MESSAGE');
  const busEventId = text(event?.id);
  const time = text(event?.time);
  const issues = [
    {
      path: '',
      message: `the fan-out was not reached or kept failing until EventBridge gave up: ${errorCode}${errorMessage ? ` (${errorMessage})` : ''}`,
    },
    {
      path: 'replay',
      message: `bus event ${busEventId ?? '(unreadable)'} at ${time ?? '(unknown time)'}: replay it from the bus archive`,
    },
  ];
  return {
    id: input.id,
    tenantId: tenantOf(event?.detail),
    source: text(event?.source) ?? '',
    detailType: text(event?.['detail-type']) ?? '',
    receivedAt: input.receivedAt.toISOString(),
    reason: FAN_OUT_FAILED_REASON,
    issues,
    detailSnippet: snippetOf(event ? event.detail : message.body),
  };
}

/** The ports the fan-out DLQ processor uses: rejected events only. */
export type FanOutDeadLetterServices = Pick<
  Services,
  'clock' | 'failureRetention' | 'newId' | 'rejectedEvents'
>;

/**
 * Records every message of the fan-out DLQ as a rejected event (docs/contract.md#aws-stack); a message whose
 * write failed is reported back, so the queue redelivers it and nothing leaves without a record.
 */
export async function recordFanOutDeadLetters(
  services: FanOutDeadLetterServices,
  messages: FanOutDeadLetterMessage[],
): Promise<BatchResult> {
  const failed = await Promise.all(
    messages.map(async (message) => {
      const receivedAt = services.clock.now();
      const rejected = buildFanOutFailure({ id: services.newId('rej'), message, receivedAt });
      try {
        await services.rejectedEvents.put(
          rejected,
          new Date(receivedAt.getTime() + services.failureRetention.rejectedEventMs),
        );
      } catch (error) {
        logger.error('could not record a dead-lettered chat event; the DLQ will redeliver it', {
          messageId: message.messageId,
          error: describeError(error),
        });
        return message.messageId;
      }
      metrics.addMetric('FanOutDeadLettersRecorded', MetricUnit.Count, 1);
      logger.warn('chat event exhausted the fan-out retries; recorded as rejected', {
        rejectedEventId: rejected.id,
        tenantId: rejected.tenantId,
        detailType: rejected.detailType,
        issues: rejected.issues,
      });
      return undefined;
    }),
  );
  return {
    batchItemFailures: failed.flatMap((messageId) => (messageId ? [{ itemIdentifier: messageId }] : [])),
  };
}
