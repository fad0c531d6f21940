/**
 * The IAM side of the deployed stacks, read from the templates and evaluated with a real IAM policy
 * evaluator (`@cloud-copilot/iam-simulate`, AGPL-3.0, a dev-only dependency): each role's identity
 * policies, and the resource policies of queues, topics, keys, secrets, buses and functions (a
 * function's `AWS::Lambda::Permission`s are its resource policy).
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { CloudFormationWorld } from './cloudformation-world';

type Json = Record<string, unknown>;

/** One IAM policy statement, resolved. */
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Json;
}

/** One request to evaluate: who, what, on which ARN, with which request context. */
export interface IamRequest {
  /** A role ARN, or a service principal such as `events.amazonaws.com`. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Request context beyond `aws:SecureTransport` (always true: every client here uses TLS). */
  readonly context?: Readonly<Record<string, string | string[]>>;
}

/** A request and the evaluator's verdict. */
export interface IamVerdict extends IamRequest {
  readonly result: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'Error';
  readonly detail?: string;
}

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Whether `value` matches the IAM pattern `pattern` (`*` and `?` wildcards, case-sensitive). */
export function matchesIamPattern(pattern: string, value: string): boolean {
  const expression = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${expression}$`).test(value);
}

/** Identity and resource policies of every stack of `world`, and an evaluator over them. */
export class AccountPolicies {
  /** Identity policy statements by role ARN. */
  readonly identity = new Map<string, Statement[]>();
  /** Resource policy statements by resource ARN. */
  readonly resource = new Map<string, Statement[]>();

  constructor(readonly world: CloudFormationWorld) {
    const add = (map: Map<string, Statement[]>, key: string, statements: Statement[]) =>
      map.set(key, [...(map.get(key) ?? []), ...statements]);
    const statementsOf = (document: unknown, stack: string) =>
      asList((world.resolve(document, stack) as { Statement?: Statement | Statement[] }).Statement);

    for (const { stack, logicalId, properties } of world.resourcesOfType('AWS::IAM::Role')) {
      const roleArn = world.arn(stack, logicalId);
      add(this.identity, roleArn, []);
      for (const inline of asList(properties.Policies as Json[] | undefined))
        add(this.identity, roleArn, statementsOf(inline.PolicyDocument, stack));
    }
    for (const { stack, properties } of world.resourcesOfType('AWS::IAM::Policy')) {
      for (const role of asList(properties.Roles as unknown[])) {
        const roleName = String(world.resolve(role, stack));
        add(
          this.identity,
          `arn:${world.partition}:iam::${world.account}:role/${roleName}`,
          statementsOf(properties.PolicyDocument, stack),
        );
      }
    }
    const byTarget = (
      type: string,
      targetsKey: string,
      arnOf: (target: unknown, stack: string) => string,
    ) => {
      for (const { stack, properties } of world.resourcesOfType(type)) {
        for (const target of asList(properties[targetsKey] as unknown[]))
          add(this.resource, arnOf(target, stack), statementsOf(properties.PolicyDocument, stack));
      }
    };
    byTarget('AWS::SQS::QueuePolicy', 'Queues', (queue, stack) =>
      queueArnOfUrl(String(world.resolve(queue, stack))),
    );
    byTarget('AWS::SNS::TopicPolicy', 'Topics', (topic, stack) => String(world.resolve(topic, stack)));
    for (const { stack, logicalId, properties } of world.resourcesOfType('AWS::KMS::Key'))
      add(this.resource, world.arn(stack, logicalId), statementsOf(properties.KeyPolicy, stack));
    for (const { stack, properties } of world.resourcesOfType('AWS::SecretsManager::ResourcePolicy'))
      add(
        this.resource,
        String(world.resolve(properties.SecretId, stack)),
        statementsOf(properties.ResourcePolicy, stack),
      );
    // A bus's policy: one statement per AWS::Events::EventBusPolicy (Statement), or a whole Policy.
    for (const { stack, properties } of world.resourcesOfType('AWS::Events::EventBusPolicy')) {
      const busName = String(world.resolve(properties.EventBusName ?? 'default', stack));
      const busArn = `arn:${world.partition}:events:${world.region}:${world.account}:event-bus/${busName}`;
      add(
        this.resource,
        busArn,
        properties.Statement !== undefined
          ? [world.resolve(properties.Statement, stack) as Statement]
          : statementsOf(properties.Policy, stack),
      );
    }
    for (const { stack, properties } of world.resourcesOfType('AWS::Lambda::Permission')) {
      const functionArn = functionArnOf(String(world.resolve(properties.FunctionName, stack)), world);
      const principal = String(properties.Principal);
      const sourceArn =
        properties.SourceArn === undefined ? undefined : world.resolve(properties.SourceArn, stack);
      const sourceAccount =
        properties.SourceAccount === undefined ? undefined : world.resolve(properties.SourceAccount, stack);
      add(this.resource, functionArn, [
        {
          Effect: 'Allow',
          Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
          Action: String(properties.Action),
          Resource: functionArn,
          ...(sourceArn !== undefined || sourceAccount !== undefined
            ? {
                Condition: {
                  ...(sourceArn !== undefined ? { ArnLike: { 'AWS:SourceArn': sourceArn } } : {}),
                  ...(sourceAccount !== undefined
                    ? { StringEquals: { 'AWS:SourceAccount': sourceAccount } }
                    : {}),
                },
              }
            : {}),
        },
      ]);
    }
  }

  /** The Allow statements of `roleArn`'s identity policies, one (action, resource) pattern each. */
  grantsOf(roleArn: string): { action: string; resource: string }[] {
    return (this.identity.get(roleArn) ?? [])
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap((statement) =>
        asList(statement.Action).flatMap((action) =>
          asList(statement.Resource ?? '*').map((resource) => ({ action, resource })),
        ),
      );
  }

  /** Evaluates `request` against the principal's identity policies and the resource's policy. */
  async evaluate(request: IamRequest): Promise<IamVerdict> {
    const identityStatements = this.identity.get(request.principal);
    const resourceStatements = this.resourceStatementsFor(request.resource);
    const document = (statements: Statement[]) => ({ Version: '2012-10-17', Statement: statements });
    const answer = await runSimulation(
      {
        request: {
          principal: request.principal,
          action: request.action,
          resource: { resource: request.resource, accountId: this.world.account },
          contextVariables: {
            'aws:SecureTransport': 'true',
            ...(request.principal.startsWith('arn:')
              ? { 'aws:PrincipalAccount': this.world.account, 'aws:PrincipalArn': request.principal }
              : {}),
            ...request.context,
          },
        },
        identityPolicies: identityStatements?.length
          ? [{ name: 'role', policy: document(identityStatements) }]
          : [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourceStatements.length > 0 ? { resourcePolicy: document(resourceStatements) } : {}),
      },
      {},
    );
    if (answer.resultType === 'error') {
      return { ...request, result: 'Error', detail: JSON.stringify(answer.errors) };
    }
    return { ...request, result: answer.overallResult };
  }

  /** A resource's policy; a DynamoDB index or a log stream is governed by no policy of its own here. */
  private resourceStatementsFor(resourceArn: string): Statement[] {
    return this.resource.get(resourceArn) ?? [];
  }
}

/** `arn:aws:sqs:<region>:<account>:<name>` of a queue URL `https://sqs.<region>.amazonaws.com/<account>/<name>`. */
export function queueArnOfUrl(url: string): string {
  const match = /^https?:\/\/sqs\.([a-z0-9-]+)\.[^/]+\/(\d{12})\/([^/?]+)/.exec(url);
  if (!match) throw new Error(`not an SQS queue URL: ${url}`);
  return `arn:aws:sqs:${match[1]}:${match[2]}:${match[3]}`;
}

function functionArnOf(nameOrArn: string, world: CloudFormationWorld): string {
  return nameOrArn.startsWith('arn:')
    ? nameOrArn
    : `arn:${world.partition}:lambda:${world.region}:${world.account}:function:${nameOrArn}`;
}
