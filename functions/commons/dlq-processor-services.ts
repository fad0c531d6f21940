/** The DLQ processor's services: the table (failure logs) and the bus for notices. */
import type { Services } from '#app/services';
import { buildBaseServices } from '#composition/base';
import { buildNoticePublisher } from '#composition/notices';
import type { CompositionOptions } from '#composition/options';
import { buildTableRepositories } from '#composition/table';
import type { Config } from '#config';
import { unwired } from './unwired';

/** Builds what the DLQ processor uses: webhooks and failure logs in the table, notices on the bus. */
export function buildDlqProcessorServices(config: Config, options: CompositionOptions = {}): Services {
  return {
    ...buildBaseServices(config),
    ...buildTableRepositories(config, options),
    notices: buildNoticePublisher(config, options),
    deliveryQueue: unwired('deliveryQueue', 'dlq-processor'),
    cipher: unwired('cipher', 'dlq-processor'),
    sender: unwired('sender', 'dlq-processor'),
    resolver: unwired('resolver', 'dlq-processor'),
    admission: unwired('admission', 'dlq-processor'),
    credentialCache: unwired('credentialCache', 'dlq-processor'),
  };
}
