/** The DLQ processor's services: the table (failure logs), nothing else: it publishes no notice. */
import type { DeadLetterServices } from '#app/dead-letters';
import { buildBaseServices } from '#composition/base';
import type { CompositionOptions } from '#composition/options';
import {
  buildDeliveryLogRepository,
  buildEventIdRegistry,
  buildFailureLogRepository,
  buildServiceTable,
  buildWebhookRepository,
} from '#composition/table';
import type { Config } from '#config';

/** Builds what the DLQ processor uses: webhooks, failure logs and delivery records in the table. */
export function buildDlqProcessorServices(
  config: Config,
  options: CompositionOptions = {},
): DeadLetterServices {
  const table = buildServiceTable(config, options);
  return {
    ...buildBaseServices(config),
    webhooks: buildWebhookRepository(table),
    failureLogs: buildFailureLogRepository(table),
    deliveryLog: buildDeliveryLogRepository(table),
    // A large event's body, which a dead-lettered task references, goes whole into its failure log.
    eventIds: buildEventIdRegistry(table),
  };
}
