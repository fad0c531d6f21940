/**
 * Tenants for the repository contracts. Every contract case works in tenants of its own (the
 * DynamoDB variants share one table across the cases of a suite), and the isolation cases use two
 * tenants with data and a hostile third that knows their ids and cursors.
 */
let sequence = 0;

/** A tenant id no other case uses (valid under TENANT_ID_PATTERN). */
export const newTenant = (): string => `tenant-${Date.now().toString(36)}-${process.pid}-${sequence++}`;

/** Two tenants that own data and a third that tries to reach it. */
export function tenantTrio(): { tenantA: string; tenantB: string; hostile: string } {
  return { tenantA: newTenant(), tenantB: newTenant(), hostile: newTenant() };
}

/** A page position no list of any implementation hands out. */
export const FOREIGN_CURSOR = { made: 'by hand', sk: 'XX#01JAAAAAAAAAAAAAAAAAAAAAAA' } as const;
