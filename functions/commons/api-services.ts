/** The admin API's services: the ports its routes declare (AdminApiDependencies); no notice publisher. */
import { buildBaseServices } from '#composition/base';
import { buildDeliveryState } from '#composition/delivery-state';
import { buildCursorCodec, buildMasterKeySource, buildSecretCipher } from '#composition/keys';
import type { CompositionOptions } from '#composition/options';
import { buildOutbound } from '#composition/outbound';
import { buildDeliveryQueue } from '#composition/queue';
import { platformPrincipalsOf } from '#composition/settings';
import {
  buildDeliveryLogRepository,
  buildFailureLogRepository,
  buildPortalSessionStore,
  buildRejectedEventRepository,
  buildServiceTable,
  buildWebhookHealthRepository,
  buildWebhookRepository,
} from '#composition/table';
import type { Config } from '#config';
import type { ApiHandlerDependencies } from '#functions/api';

/** Builds what the admin routes use, the sender for test deliveries and the queue for redelivery included. */
export function buildApiServices(config: Config, options: CompositionOptions = {}): ApiHandlerDependencies {
  const keySource = buildMasterKeySource(config, options);
  const table = buildServiceTable(config, options);
  const { sender, resolver } = buildOutbound(config, options);
  const base = buildBaseServices(config);
  return {
    ...base,
    // The test route sends through the same admission and credentials as a delivery.
    ...buildDeliveryState(config, base),
    webhooks: buildWebhookRepository(table),
    webhookHealth: buildWebhookHealthRepository(table),
    failureLogs: buildFailureLogRepository(table),
    rejectedEvents: buildRejectedEventRepository(table),
    deliveryLog: buildDeliveryLogRepository(table),
    portalSessions: buildPortalSessionStore(table),
    deliveryQueue: buildDeliveryQueue(config, options),
    cipher: buildSecretCipher(keySource),
    cursors: buildCursorCodec(keySource),
    sender,
    resolver,
    consoleUrl: config.CONSOLE_URL,
    tenantClaim: config.TENANT_CLAIM,
    platformPrincipals: platformPrincipalsOf(config),
  };
}
