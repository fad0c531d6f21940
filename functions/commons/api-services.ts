/** The admin API's services: everything but the notice publisher (the API never auto-disables). */
import type { AdminApiDependencies } from '#app/admin-api';
import type { Config } from '#config';
import { buildBaseServices } from '../../src/composition/base';
import { buildDeliveryState } from '../../src/composition/delivery-state';
import { buildCursorCodec, buildMasterKeySource, buildSecretCipher } from '../../src/composition/keys';
import type { CompositionOptions } from '../../src/composition/options';
import { buildOutbound } from '../../src/composition/outbound';
import { buildDeliveryQueue } from '../../src/composition/queue';
import { buildTableRepositories } from '../../src/composition/table';
import { unwired } from './unwired';

/** Builds what the admin routes use, the sender for test deliveries and the queue for redelivery included. */
export function buildApiServices(config: Config, options: CompositionOptions = {}): AdminApiDependencies {
  const keySource = buildMasterKeySource(config, options);
  const { sender, resolver } = buildOutbound(config, options);
  const base = buildBaseServices(config);
  return {
    ...base,
    // The test route sends through the same admission and credentials as a delivery.
    ...buildDeliveryState(config, base.clock),
    ...buildTableRepositories(config, options),
    deliveryQueue: buildDeliveryQueue(config, options),
    cipher: buildSecretCipher(keySource),
    cursors: buildCursorCodec(keySource),
    sender,
    resolver,
    notices: unwired('notices', 'api'),
  };
}
