/** The delivery function's services: every port of Services, no cursor codec (that is the API's). */
import type { Services } from '#app/services';
import type { Config } from '#config';
import { buildBaseServices } from '../../src/composition/base';
import { buildDeliveryState } from '../../src/composition/delivery-state';
import { buildMasterKeySource, buildSecretCipher } from '../../src/composition/keys';
import { buildNoticePublisher } from '../../src/composition/notices';
import type { CompositionOptions } from '../../src/composition/options';
import { buildOutbound } from '../../src/composition/outbound';
import { buildDeliveryQueue } from '../../src/composition/queue';
import { buildTableRepositories } from '../../src/composition/table';

/** Builds what delivery uses: the table, the queue and its DLQ, the cipher, the sender, notices. */
export function buildDeliveryServices(config: Config, options: CompositionOptions = {}): Services {
  const { sender, resolver } = buildOutbound(config, options);
  const base = buildBaseServices(config);
  return {
    ...base,
    ...buildDeliveryState(config, base.clock),
    ...buildTableRepositories(config, options),
    deliveryQueue: buildDeliveryQueue(config, options),
    cipher: buildSecretCipher(buildMasterKeySource(config, options)),
    notices: buildNoticePublisher(config, options),
    sender,
    resolver,
  };
}
