/** The fan-out DLQ processor's services: the table (rejected events), nothing else. */
import type { Services } from '#app/services';
import { buildBaseServices } from '#composition/base';
import type { CompositionOptions } from '#composition/options';
import { buildTableRepositories } from '#composition/table';
import type { Config } from '#config';
import { unwired } from './unwired';

/** Builds what the fan-out DLQ processor uses: rejected events in the table. */
export function buildFanOutDlqProcessorServices(config: Config, options: CompositionOptions = {}): Services {
  return {
    ...buildBaseServices(config),
    ...buildTableRepositories(config, options),
    deliveryQueue: unwired('deliveryQueue', 'fan-out-dlq-processor'),
    notices: unwired('notices', 'fan-out-dlq-processor'),
    cipher: unwired('cipher', 'fan-out-dlq-processor'),
    sender: unwired('sender', 'fan-out-dlq-processor'),
    resolver: unwired('resolver', 'fan-out-dlq-processor'),
    admission: unwired('admission', 'fan-out-dlq-processor'),
    credentialCache: unwired('credentialCache', 'fan-out-dlq-processor'),
  };
}
