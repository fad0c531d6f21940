/**
 * The admin use cases for rejected events (docs/contract.md#aws-stack): chat events refused by schema at fan-out,
 * or that never reached it (the fan-out DLQ), kept for their tenant and ops to read.
 */
import type { Page, PageKey, RejectedEvent } from '#domain/model';
import type { Services } from './services';

/** A page of the tenant's rejected events, newest first. */
export function listRejectedEvents(
  services: Pick<Services, 'rejectedEvents'>,
  tenantId: string,
  query: { limit: number; startKey?: PageKey },
): Promise<Page<RejectedEvent>> {
  return services.rejectedEvents.list(tenantId, query);
}
