/**
 * Fan-out Lambda: the bus rule's target. Finds each chat event's subscribers and enqueues deliveries.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { type FanOutServices, fanOutEvent } from '#app/fan-out';
import { logger, metrics } from '#observability';
import { lazyHandler } from './commons/services';

/** The fan-out handler over the ports its use case declares (the local runtime and tests pass their own). */
export function createFanOutHandler(services: FanOutServices) {
  return middy<EventBridgeEvent<string, unknown>, void, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      // Malformed events resolve (recorded as rejected); only store or queue failures throw, and the bus retries those.
      await fanOutEvent(services, {
        source: event.source,
        detailType: event['detail-type'],
        detail: event.detail,
        time: event.time,
        id: event.id,
      });
    });
}

export const handler = lazyHandler(
  async () => (await import('./commons/fan-out-services')).buildFanOutServices,
  createFanOutHandler,
);
