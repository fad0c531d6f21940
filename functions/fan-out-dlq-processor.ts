/**
 * Fan-out DLQ processor Lambda: records each chat event that exhausted the fan-out's retries as a
 * rejected event (reason fan_out_failed), listable and replayable from the bus archive.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type FanOutDeadLetterServices, recordFanOutDeadLetters } from '#app/fan-out-dead-letters';
import { logger, metrics } from '#observability';
import { lazyHandler } from './commons/services';

/** The fan-out DLQ processor over the ports its use case declares (the local runtime and tests pass their own). */
export function createFanOutDlqProcessorHandler(services: FanOutDeadLetterServices) {
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler((event) => recordFanOutDeadLetters(services, event.Records));
}

export const handler = lazyHandler(
  async () => (await import('./commons/fan-out-dlq-processor-services')).buildFanOutDlqProcessorServices,
  createFanOutDlqProcessorHandler,
);
