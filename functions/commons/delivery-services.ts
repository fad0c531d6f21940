/** The delivery function's services: every port of Services, no cursor codec (that is the API's). */
import type { Services } from '#app/services';
import { buildBaseServices } from '#composition/base';
import { buildDeliveryState } from '#composition/delivery-state';
import { buildMasterKeySource, buildSecretCipher } from '#composition/keys';
import { buildNoticePublisher } from '#composition/notices';
import type { CompositionOptions } from '#composition/options';
import { buildOutbound } from '#composition/outbound';
import { buildDeliveryAcknowledger, buildDeliveryQueue } from '#composition/queue';
import { buildTableRepositories } from '#composition/table';
import type { Config } from '#config';

/** Builds what delivery uses: the table, the queue and its DLQ, the cipher, the sender, notices. */
export function buildDeliveryServices(config: Config, options: CompositionOptions = {}): Services {
  const { sender, resolver } = buildOutbound(config, options);
  const base = buildBaseServices(config);
  return {
    ...base,
    ...buildDeliveryState(config, base),
    ...buildTableRepositories(config, options),
    deliveryQueue: buildDeliveryQueue(config, options),
    acknowledger: buildDeliveryAcknowledger(config, options),
    cipher: buildSecretCipher(buildMasterKeySource(config, options)),
    notices: buildNoticePublisher(config, options),
    sender,
    resolver,
  };
}
