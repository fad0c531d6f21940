/**
 * The tenant boundary of a delivery (docs/contract.md#admin-api, #security: tenant isolation). A delivery task names
 * a tenant, its webhook belongs to one and its event to one; all three must be the same tenant, or a
 * forged or corrupted task could send one tenant's event, signed with its secret, to another's
 * endpoint. The delivery step drops such a task.
 */

/**
 * Why a task must not be delivered because its tenants disagree, or undefined when they agree.
 * `webhook` is the one the task names, when it was found.
 */
export function tenantMismatchReason(
  task: { tenantId: string; event: { tenantId: string } },
  webhook: { tenantId: string } | undefined,
): string | undefined {
  if (task.event.tenantId !== task.tenantId) return 'event belongs to another tenant than the task';
  if (webhook && webhook.tenantId !== task.tenantId) return 'webhook belongs to another tenant than the task';
  return undefined;
}
