/** The fan-out function's services: the table and the delivery queue, nothing that sends or decrypts. */
import type { FanOutServices } from '#app/fan-out';
import { buildBaseServices } from '#composition/base';
import type { CompositionOptions } from '#composition/options';
import { buildDeliveryQueue } from '#composition/queue';
import {
  buildDeliveryLogRepository,
  buildEventIdRegistry,
  buildRejectedEventRepository,
  buildServiceTable,
  buildWebhookRepository,
} from '#composition/table';
import type { Config } from '#config';

/** Builds what fan-out uses: webhooks (subscribers), event-id claims, rejected events, payloads, the delivery queue. */
export function buildFanOutServices(config: Config, options: CompositionOptions = {}): FanOutServices {
  const table = buildServiceTable(config, options);
  return {
    ...buildBaseServices(config),
    webhooks: buildWebhookRepository(table),
    eventIds: buildEventIdRegistry(table),
    rejectedEvents: buildRejectedEventRepository(table),
    deliveryLog: buildDeliveryLogRepository(table),
    deliveryQueue: buildDeliveryQueue(config, options),
  };
}
