/** The delivery function's services: the ports its use case declares (DeliveryServices). */
import type { DeliveryServices } from '#app/deliver';
import { buildBaseServices } from '#composition/base';
import { buildDeliveryState } from '#composition/delivery-state';
import { buildMasterKeySource, buildSecretCipher } from '#composition/keys';
import { buildNoticePublisher } from '#composition/notices';
import type { CompositionOptions } from '#composition/options';
import { buildOutbound } from '#composition/outbound';
import { buildDeliveryAcknowledger, buildDeliveryQueue } from '#composition/queue';
import {
  buildDeliveryLogRepository,
  buildEventIdRegistry,
  buildOrderedProgressStore,
  buildServiceTable,
  buildWebhookHealthRepository,
  buildWebhookRepository,
} from '#composition/table';
import type { Config } from '#config';

/** Builds what delivery uses: the table, the queue and its DLQ, the cipher, the sender, notices. */
export function buildDeliveryServices(config: Config, options: CompositionOptions = {}): DeliveryServices {
  const table = buildServiceTable(config, options);
  const base = buildBaseServices(config);
  return {
    ...base,
    ...buildDeliveryState(config, base),
    webhooks: buildWebhookRepository(table),
    deliveryLog: buildDeliveryLogRepository(table),
    // A large event's body, stored with its id claim, which its delivery messages reference.
    eventIds: buildEventIdRegistry(table),
    webhookHealth: buildWebhookHealthRepository(table),
    orderedProgress: buildOrderedProgressStore(table),
    deliveryQueue: buildDeliveryQueue(config, options),
    acknowledger: buildDeliveryAcknowledger(config, options),
    cipher: buildSecretCipher(buildMasterKeySource(config, options)),
    notices: buildNoticePublisher(config, options),
    // The resolver stays inside the sender, which vets each destination's addresses with it.
    sender: buildOutbound(config, options).sender,
  };
}
