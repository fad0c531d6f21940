/**
 * What fair queues and ordered delivery add to the SQS bill, per million deliveries, from this run's
 * measured SQS requests per delivery and the list prices (prices.ts):
 *
 * - fair queues: a `MessageGroupId` on the standard delivery queue; SQS prices no request differently
 *   for it and the service sends no extra request, so nothing is added;
 * - ordered webhooks (`ordering: "conversation"`): each delivery is its own message on a FIFO queue
 *   (one event's ordered deliveries share a SendMessageBatch, but never one message as group tasks
 *   do), FIFO requests cost more, and receives fill their batches only when many conversations are
 *   busy at once: a FIFO group gives its next message only after the previous one is deleted, so with
 *   sparse conversations every receive and delete carries one message. Retries change the held
 *   message's visibility (one request) instead of sending a new one (one request): no change; a
 *   retry also writes the delivery's progress item and the next try reads it (docs/cost.md prices it).
 */
import { PRICES } from './prices';
import { formatTable } from './report';

const MILLION = 1e6;
const MAX_BATCH = 10;

/** One line of the table: a configuration, its SQS requests and dollars per million deliveries. */
export interface QueueFeatureCost {
  label: string;
  sqsRequestsPerDelivery: number;
  usdPerMillionDeliveries: number;
  /** Fair queues: against the measured figure; ordered: against the same deliveries unordered in full batches. */
  addedUsdPerMillionDeliveries: number;
}

/** The lines for a run that measured `measuredSqsRequestsPerDelivery` at `fanOut` webhooks per event. */
export function queueFeatureCosts(
  measuredSqsRequestsPerDelivery: number,
  fanOut: number,
): QueueFeatureCost[] {
  const standard = measuredSqsRequestsPerDelivery * PRICES.sqsStandardRequests.usd * MILLION;
  // Unordered deliveries of the same events in the same batches on the standard queue: what ordering
  // is compared with, so that the difference is the FIFO price and the emptier receives, not this
  // run's retries and postponements.
  const batchedRequests = 1 / Math.min(Math.max(1, fanOut), MAX_BATCH) + 2 / MAX_BATCH;
  const batchedStandard = batchedRequests * PRICES.sqsStandardRequests.usd * MILLION;
  const ordered = (label: string, messagesPerReceive: number): QueueFeatureCost => {
    // One SendMessageBatch per event for its ordered deliveries, then a receive and a delete per batch.
    const requests = 1 / Math.min(Math.max(1, fanOut), MAX_BATCH) + 2 / messagesPerReceive;
    const usd = requests * PRICES.sqsFifoRequests.usd * MILLION;
    return {
      label,
      sqsRequestsPerDelivery: requests,
      usdPerMillionDeliveries: usd,
      addedUsdPerMillionDeliveries: usd - batchedStandard,
    };
  };
  return [
    {
      label: 'standard queue, as measured in this run',
      sqsRequestsPerDelivery: measuredSqsRequestsPerDelivery,
      usdPerMillionDeliveries: standard,
      addedUsdPerMillionDeliveries: 0,
    },
    {
      label: 'fair queues (MessageGroupId = tenant on the same standard queue)',
      sqsRequestsPerDelivery: measuredSqsRequestsPerDelivery,
      usdPerMillionDeliveries: standard,
      addedUsdPerMillionDeliveries: 0,
    },
    ordered('ordered webhooks, FIFO, many busy conversations (batches of 10)', MAX_BATCH),
    ordered('ordered webhooks, FIFO, sparse conversations (one message per receive)', 1),
  ];
}

/** The table the benchmark prints. */
export function formatQueueFeatureCosts(measuredSqsRequestsPerDelivery: number, fanOut: number): string {
  const lines = queueFeatureCosts(measuredSqsRequestsPerDelivery, fanOut);
  return [
    formatTable(
      [
        `SQS per million deliveries (fan-out ${fanOut}; standard $${(PRICES.sqsStandardRequests.usd * MILLION).toFixed(2)}/M, FIFO $${(PRICES.sqsFifoRequests.usd * MILLION).toFixed(2)}/M requests)`,
        'SQS requests/delivery',
        'USD',
        'adds USD',
      ],
      lines.map((line) => [
        line.label,
        line.sqsRequestsPerDelivery.toFixed(3),
        line.usdPerMillionDeliveries.toFixed(3),
        `${line.addedUsdPerMillionDeliveries >= 0 ? '+' : ''}${line.addedUsdPerMillionDeliveries.toFixed(3)}`,
      ]),
    ),
    'Ordered lines: one message per delivery (no group tasks), one SendMessageBatch per event, a receive and a delete per batch; "adds" compares them with the same deliveries unordered in full batches on the standard queue (retries and postponements excluded on both sides); each receive is also one delivery Lambda invocation.',
  ].join('\n');
}
