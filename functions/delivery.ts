/**
 * Delivery Lambda: consumes the delivery queue and reports partial batch failures, so only the
 * records that could not be processed come back.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type DeliveryServices, processDeliveryBatch } from '#app/deliver';
import { logger, metrics } from '#observability';
import { lazyHandler } from './commons/services';

/** The delivery handler over the ports its use case declares (the local runtime and tests pass their own). */
export function createDeliveryHandler(services: DeliveryServices) {
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler((event) => processDeliveryBatch(services, event.Records));
}

export const handler = lazyHandler(
  async () => (await import('./commons/delivery-services')).buildDeliveryServices,
  createDeliveryHandler,
);
