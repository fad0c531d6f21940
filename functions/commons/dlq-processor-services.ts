/** The DLQ processor's services: the table (failure logs), nothing else: it publishes no notice. */
import type { Services } from '#app/services';
import { buildBaseServices } from '#composition/base';
import type { CompositionOptions } from '#composition/options';
import { buildTableRepositories } from '#composition/table';
import type { Config } from '#config';
import { unwired } from './unwired';

/** Builds what the DLQ processor uses: webhooks, failure logs and delivery records in the table. */
export function buildDlqProcessorServices(config: Config, options: CompositionOptions = {}): Services {
  return {
    ...buildBaseServices(config),
    ...buildTableRepositories(config, options),
    notices: unwired('notices', 'dlq-processor'),
    deliveryQueue: unwired('deliveryQueue', 'dlq-processor'),
    cipher: unwired('cipher', 'dlq-processor'),
    sender: unwired('sender', 'dlq-processor'),
    resolver: unwired('resolver', 'dlq-processor'),
    admission: unwired('admission', 'dlq-processor'),
    credentialCache: unwired('credentialCache', 'dlq-processor'),
  };
}
