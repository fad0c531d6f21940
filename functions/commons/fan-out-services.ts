/** The fan-out function's services: the table and the delivery queue, nothing that sends or decrypts. */
import type { Services } from '#app/services';
import { buildBaseServices } from '#composition/base';
import type { CompositionOptions } from '#composition/options';
import { buildDeliveryQueue } from '#composition/queue';
import { buildTableRepositories } from '#composition/table';
import type { Config } from '#config';
import { unwired } from './unwired';

/** Builds what fan-out uses: webhooks (subscribers), rejected events, the delivery queue. */
export function buildFanOutServices(config: Config, options: CompositionOptions = {}): Services {
  return {
    ...buildBaseServices(config),
    ...buildTableRepositories(config, options),
    deliveryQueue: buildDeliveryQueue(config, options),
    cipher: unwired('cipher', 'fan-out'),
    notices: unwired('notices', 'fan-out'),
    sender: unwired('sender', 'fan-out'),
    resolver: unwired('resolver', 'fan-out'),
    admission: unwired('admission', 'fan-out'),
    credentialCache: unwired('credentialCache', 'fan-out'),
  };
}
