/** The admin API's services: everything but the notice publisher (the API never auto-disables). */
import { buildBaseServices } from '#composition/base';
import { buildDeliveryState } from '#composition/delivery-state';
import { buildCursorCodec, buildMasterKeySource, buildSecretCipher } from '#composition/keys';
import type { CompositionOptions } from '#composition/options';
import { buildOutbound } from '#composition/outbound';
import { buildDeliveryQueue } from '#composition/queue';
import { platformPrincipalsOf } from '#composition/settings';
import { buildPortalSessionStore, buildTableRepositories } from '#composition/table';
import type { Config } from '#config';
import type { ApiHandlerDependencies } from '#functions/api';
import { unwired } from './unwired';

/** Builds what the admin routes use, the sender for test deliveries and the queue for redelivery included. */
export function buildApiServices(config: Config, options: CompositionOptions = {}): ApiHandlerDependencies {
  const keySource = buildMasterKeySource(config, options);
  const { sender, resolver } = buildOutbound(config, options);
  const base = buildBaseServices(config);
  return {
    ...base,
    // The test route sends through the same admission and credentials as a delivery.
    ...buildDeliveryState(config, base),
    ...buildTableRepositories(config, options),
    deliveryQueue: buildDeliveryQueue(config, options),
    cipher: buildSecretCipher(keySource),
    cursors: buildCursorCodec(keySource),
    sender,
    resolver,
    notices: unwired('notices', 'api'),
    portalSessions: buildPortalSessionStore(config, options),
    consoleUrl: config.CONSOLE_URL,
    tenantClaim: config.TENANT_CLAIM,
    platformPrincipals: platformPrincipalsOf(config),
  };
}
