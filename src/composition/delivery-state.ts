/**
 * The in-memory state of a process's delivery path, built once here rather than hidden in module
 * maps: the slots and circuit breakers per webhook, the lanes of failed attempts' store work, and the
 * decrypted-credentials cache.
 */
import { createDeliveryAdmission } from '#app/endpoint-circuits';
import { LookupCache } from '#app/lookup-cache';
import type { Services } from '#app/services';
import { SettlementLanes } from '#app/settlement-lanes';
import type { Config } from '#config';

/** Admission (slots, circuits, as the delivery policy sets them) and the credentials cache of one process. */
export function buildDeliveryState(
  config: Config,
  base: Pick<Services, 'deliveryPolicy' | 'clock'>,
): Pick<Services, 'admission' | 'credentialCache' | 'settlementLanes'> {
  return {
    admission: createDeliveryAdmission(base.deliveryPolicy.admission, base.clock),
    settlementLanes: new SettlementLanes({}, base.clock),
    // Keyed by webhook version, so an entry can never outlive the settings it was decrypted from.
    credentialCache: new LookupCache({ ttlMs: config.SECRET_CACHE_TTL_MS }),
  };
}
