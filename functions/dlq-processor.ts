/**
 * DLQ processor Lambda: turns each dead-lettered delivery into a failure log.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type DeadLetterServices, recordDeadLetters } from '#app/dead-letters';
import { logger, metrics } from '#observability';
import { lazyHandler } from './commons/services';

/** The DLQ processor handler over the ports its use case declares (the local runtime and tests pass their own). */
export function createDlqProcessorHandler(services: DeadLetterServices) {
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler((event) => recordDeadLetters(services, event.Records));
}

export const handler = lazyHandler(
  async () => (await import('./commons/dlq-processor-services')).buildDlqProcessorServices,
  createDlqProcessorHandler,
);
