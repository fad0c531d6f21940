/**
 * The composition root: wires the one real adapter of each port to the domain. Each adapter is
 * built in exactly one place, a builder under src/composition/; `createServices` composes them all
 * for the local runtime (one process runs every function), and each Lambda function composes only
 * the builders of the ports its use case declares (functions/commons/*-services.ts), so its bundle
 * holds only those adapters and its role is granted only what they call.
 * Both runtimes therefore run the same code.
 */

import type { AdminApiDependencies } from '#app/admin-api';
import type { Services } from '#app/services';
import { buildBaseServices } from '#composition/base';
import { buildDeliveryState } from '#composition/delivery-state';
import { buildCursorCodec, buildMasterKeySource, buildSecretCipher } from '#composition/keys';
import { buildNoticePublisher } from '#composition/notices';
import type { CompositionOptions } from '#composition/options';
import { buildOutbound } from '#composition/outbound';
import { buildDeliveryAcknowledger, buildDeliveryQueue } from '#composition/queue';
import { platformPrincipalsOf } from '#composition/settings';
import { buildPortalSessionStore, buildServiceTable, buildTableRepositories } from '#composition/table';
import type { Config } from '#config';

export type { CompositionOptions } from '#composition/options';

/** Every port (the local runtime runs every function), the API's own parts, and a way to release sockets at shutdown. */
export interface Composition extends Services, AdminApiDependencies {
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
  const table = buildServiceTable(config, options);
  return {
    ...base,
    ...buildDeliveryState(config, base),
    ...buildTableRepositories(table),
    deliveryQueue: buildDeliveryQueue(config, options),
    acknowledger: buildDeliveryAcknowledger(config, options),
    cipher: buildSecretCipher(keySource),
    cursors: buildCursorCodec(keySource),
    notices: buildNoticePublisher(config, options),
    ...buildOutbound(config, options),
    portalSessions: buildPortalSessionStore(table),
    consoleUrl: config.CONSOLE_URL,
    tenantClaim: config.TENANT_CLAIM,
    platformPrincipals: platformPrincipalsOf(config),
  };
}
