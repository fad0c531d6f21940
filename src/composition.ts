/**
 * The composition root: wires the one real adapter of each port to the domain. Each adapter is
 * built in exactly one place, a builder under src/composition/; `createServices` composes them all
 * for the local runtime (one process runs every function), and each Lambda function composes only
 * the builders it needs (functions/commons/*-services.ts), so its bundle holds only those adapters.
 * Both runtimes therefore run the same code.
 */

import type { AdminApiDependencies } from '#app/admin-api';
import { buildBaseServices } from '#composition/base';
import { buildDeliveryState } from '#composition/delivery-state';
import { buildCursorCodec, buildMasterKeySource, buildSecretCipher } from '#composition/keys';
import { buildNoticePublisher } from '#composition/notices';
import type { CompositionOptions } from '#composition/options';
import { buildOutbound } from '#composition/outbound';
import { buildDeliveryAcknowledger, buildDeliveryQueue } from '#composition/queue';
import { platformPrincipalsOf } from '#composition/settings';
import { buildPortalSessionStore, buildTableRepositories } from '#composition/table';
import type { Config } from '#config';

export type { CompositionOptions } from '#composition/options';

/** Everything the handlers need, plus a way to release sockets at shutdown. */
export interface Composition extends AdminApiDependencies {
  /** The JWT claim that names the caller's tenant (TENANT_CLAIM); the API handler reads it. */
  tenantClaim: string;
  /** PLATFORM_PRINCIPALS: the IAM principals that are the platform (empty: any the gateway let through). */
  platformPrincipals: readonly string[];
  close(): Promise<void>;
}

/** Builds the services of every function for one process (the local runtime). */
export function createServices(config: Config, options: CompositionOptions = {}): Composition {
  const keySource = buildMasterKeySource(config, options);
  const base = buildBaseServices(config);
  return {
    ...base,
    ...buildDeliveryState(config, base),
    ...buildTableRepositories(config, options),
    deliveryQueue: buildDeliveryQueue(config, options),
    acknowledger: buildDeliveryAcknowledger(config, options),
    cipher: buildSecretCipher(keySource),
    cursors: buildCursorCodec(keySource),
    notices: buildNoticePublisher(config, options),
    ...buildOutbound(config, options),
    portalSessions: buildPortalSessionStore(config, options),
    consoleUrl: config.CONSOLE_URL,
    tenantClaim: config.TENANT_CLAIM,
    platformPrincipals: platformPrincipalsOf(config),
  };
}
