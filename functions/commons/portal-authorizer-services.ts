/** The portal-session authorizer's services: the session store on the table, and the clock. */

import type { CompositionOptions } from '#composition/options';
import { buildPortalSessionStore, buildServiceTable } from '#composition/table';
import type { Config } from '#config';
import { systemClock } from '#domain/ports';
import type { PortalAuthorizerDependencies } from '#functions/portal-authorizer';

/** Builds what the authorizer reads: only the portal items of TABLE_NAME. */
export function buildPortalAuthorizerServices(
  config: Config,
  options: CompositionOptions = {},
): PortalAuthorizerDependencies {
  return { portalSessions: buildPortalSessionStore(buildServiceTable(config, options)), clock: systemClock };
}
