/**
 * Delivery Lambda: consumes the delivery queue and reports partial batch failures, so only the
 * records that could not be processed come back.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processDeliveryBatch } from '#app/deliver';
import type { Services } from '#app/services';
import { logger, metrics } from '#observability';
import { lazyHandler } from './commons/services';

/** The delivery handler over the given Services (the local runtime and tests pass their own). */
export function createDeliveryHandler(services: Services) {
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler((event) => processDeliveryBatch(services, event.Records));
}

export const handler = lazyHandler(
  async () => (await import('./commons/delivery-services')).buildDeliveryServices,
  createDeliveryHandler,
);
