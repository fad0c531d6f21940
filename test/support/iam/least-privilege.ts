/**
 * The least-privilege check over one run of the bundles: every AWS call they made (recorded at the
 * loopback stand-ins) and every call Lambda makes for them is allowed by the synthesised identity and
 * resource policies, and every (action, resource) a function's role is granted is one of those calls.
 */
import { AccountPolicies, matchesIamPattern } from './account-policies';
import type { RecordedCall } from './aws-call-recorder';
import type { CloudFormationWorld } from './cloudformation-world';
import { functionRoles, platformCalls } from './service-paths';

/** What the check found. */
export interface LeastPrivilegeReport {
  /** Distinct (caller, action, resource) triples evaluated, from the bundles and from Lambda. */
  readonly checked: number;
  readonly allowed: number;
  /** `caller action resource → verdict` of each call not allowed. */
  readonly denied: string[];
  /** `function: action on resource` of each grant no call used. */
  readonly unusedGrants: string[];
  /** Each function's distinct actions, as called (for the report). */
  readonly actionsByFunction: Record<string, string[]>;
}

/** Runs the check for the functions of `world` over `calls`. */
export async function checkLeastPrivilege(
  world: CloudFormationWorld,
  calls: readonly RecordedCall[],
): Promise<LeastPrivilegeReport> {
  const policies = new AccountPolicies(world);
  const roles = functionRoles(world);
  const unique = new Map<string, { caller: string; action: string; resource: string }>();
  for (const call of calls) unique.set(`${call.caller} ${call.action} ${call.resource}`, call);
  for (const { caller, request } of platformCalls(world))
    unique.set(`${caller} ${request.action} ${request.resource}`, { caller, ...request });

  const denied: string[] = [];
  let allowed = 0;
  for (const call of unique.values()) {
    const role = roles.get(call.caller);
    if (!role) {
      denied.push(`${call.caller} is no function of the templates`);
      continue;
    }
    const verdict = await policies.evaluate({
      principal: role.roleArn,
      action: call.action,
      resource: call.resource,
    });
    if (verdict.result === 'Allowed') allowed += 1;
    else
      denied.push(
        `${call.caller} ${call.action} ${call.resource} → ${verdict.result}${verdict.detail ? ` ${verdict.detail}` : ''}`,
      );
  }

  const unusedGrants: string[] = [];
  const actionsByFunction: Record<string, string[]> = {};
  for (const [fn, { roleArn }] of roles) {
    const own = [...unique.values()].filter((call) => call.caller === fn);
    if (own.length === 0) continue; // a function no test ran (e.g. CDK's own BucketDeployment)
    actionsByFunction[fn] = [...new Set(own.map((call) => call.action))].sort();
    for (const grant of policies.grantsOf(roleArn)) {
      const used = own.some(
        (call) =>
          matchesIamPattern(grant.action, call.action) && matchesIamPattern(grant.resource, call.resource),
      );
      if (!used) unusedGrants.push(`${fn}: ${grant.action} on ${grant.resource}`);
    }
  }
  return { checked: unique.size, allowed, denied, unusedGrants, actionsByFunction };
}
