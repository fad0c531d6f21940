/**
 * The AWS calls no bundle makes but the deployed service depends on, read from the templates:
 * - service to service: EventBridge invoking a rule's target function and sending what it could not
 *   deliver to the target's dead-letter queue, CloudWatch publishing an alarm to its topic (and using
 *   the topic's key), EventBridge publishing a rule's notices to its SNS topic (and its key), API
 *   Gateway invoking the integration of each route;
 * - Lambda on a function's behalf, with the function's role: polling and deleting from the queue of
 *   each SQS event source, and writing the function's logs.
 * A new rule, alarm, route or event source in a template is simulated without a change here.
 */
import type { IamRequest } from './account-policies';
import type { CloudFormationWorld } from './cloudformation-world';

type Json = Record<string, unknown>;

/** A call made with a function's role by Lambda itself (not by the function's code). */
export interface PlatformCall {
  /** The function whose role makes it (its logical id). */
  readonly caller: string;
  readonly request: IamRequest;
  readonly why: string;
}

/** A service principal's call that a resource policy must allow. */
export interface ServicePathRequest {
  readonly request: IamRequest;
  readonly why: string;
}

/** What Lambda's SQS poller needs on the queue (AWS's AWSLambdaSQSQueueExecutionRole, minus logs). */
export const SQS_EVENT_SOURCE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];

/** The role ARN of each function, by the function's logical id. */
export function functionRoles(world: CloudFormationWorld): Map<string, { stack: string; roleArn: string }> {
  return new Map(
    world
      .resourcesOfType('AWS::Lambda::Function')
      .map(({ stack, logicalId, properties }) => [
        logicalId,
        { stack, roleArn: String(world.resolve(properties.Role, stack)) },
      ]),
  );
}

/** Calls Lambda makes with each function's role: its event sources' queues and its log group. */
export function platformCalls(world: CloudFormationWorld): PlatformCall[] {
  const calls: PlatformCall[] = [];
  const roles = functionRoles(world);
  for (const [logicalId, { stack, roleArn }] of roles) {
    const { properties } = world
      .resourcesOfType('AWS::Lambda::Function')
      .find((fn) => fn.logicalId === logicalId && fn.stack === stack)!;
    const logGroup = (properties.LoggingConfig as Json | undefined)?.LogGroup;
    if (logGroup !== undefined) {
      const name = String(world.resolve(logGroup, stack));
      const stream = `arn:aws:logs:${world.region}:${world.account}:log-group:${name}:log-stream:2026/12/07/[$LATEST]0123456789abcdef`;
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
        calls.push({
          caller: logicalId,
          request: { principal: roleArn, action, resource: stream },
          why: `Lambda writes ${logicalId}'s logs`,
        });
      }
    }
  }
  for (const { stack, properties } of world.resourcesOfType('AWS::Lambda::EventSourceMapping')) {
    const target = String(world.resolve(properties.FunctionName, stack));
    const role = roles.get(target);
    if (!role) throw new Error(`event source of an unknown function ${target}`);
    const queueArn = String(world.resolve(properties.EventSourceArn, stack));
    for (const action of SQS_EVENT_SOURCE_ACTIONS) {
      calls.push({
        caller: target,
        request: { principal: role.roleArn, action, resource: queueArn },
        why: `Lambda polls ${queueArn.split(':').at(-1)} for ${target}`,
      });
    }
  }
  return calls;
}

/** Calls of AWS services to this stack's resources, each in the context the service sends. */
export function servicePaths(world: CloudFormationWorld): ServicePathRequest[] {
  const paths: ServicePathRequest[] = [];
  const source = (sourceArn: string) => ({ 'aws:SourceArn': sourceArn, 'aws:SourceAccount': world.account });

  const topics = new Map(
    world
      .resourcesOfType('AWS::SNS::Topic')
      .map(({ stack, logicalId, properties }) => [
        String(world.resolve({ Ref: logicalId }, stack)),
        { stack, properties },
      ]),
  );
  /** A service publishing to an SNS topic, and using the topic's key when it has one. */
  const publish = (principal: string, topicArn: string, sourceArn: string, who: string) => {
    paths.push({
      request: { principal, action: 'sns:Publish', resource: topicArn, context: source(sourceArn) },
      why: `${who} notifies its topic`,
    });
    const topic = topics.get(topicArn);
    const key = topic?.properties.KmsMasterKeyId;
    if (topic && key !== undefined) {
      const keyArn = String(world.resolve(key, topic.stack));
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        paths.push({
          request: { principal, action, resource: keyArn, context: source(sourceArn) },
          why: `${who} encrypts for the topic's key`,
        });
      }
    }
  };

  for (const { stack, logicalId, properties } of world.resourcesOfType('AWS::Events::Rule')) {
    const ruleArn = world.arn(stack, logicalId);
    for (const target of (properties.Targets as Json[] | undefined) ?? []) {
      const targetArn = String(world.resolve(target.Arn, stack));
      const service = targetArn.split(':')[2];
      if (service === 'lambda') {
        paths.push({
          request: {
            principal: 'events.amazonaws.com',
            action: 'lambda:InvokeFunction',
            resource: targetArn,
            context: source(ruleArn),
          },
          why: `rule ${logicalId} invokes its target`,
        });
      } else if (service === 'sqs') {
        paths.push({
          request: {
            principal: 'events.amazonaws.com',
            action: 'sqs:SendMessage',
            resource: targetArn,
            context: source(ruleArn),
          },
          why: `rule ${logicalId} sends to its target queue`,
        });
      } else if (service === 'sns') {
        publish('events.amazonaws.com', targetArn, ruleArn, `rule ${logicalId}`);
      }
      const deadLetter = (target.DeadLetterConfig as Json | undefined)?.Arn;
      if (deadLetter !== undefined) {
        paths.push({
          request: {
            principal: 'events.amazonaws.com',
            action: 'sqs:SendMessage',
            resource: String(world.resolve(deadLetter, stack)),
            context: source(ruleArn),
          },
          why: `rule ${logicalId} dead-letters what its target refused`,
        });
      }
    }
  }

  for (const { stack, logicalId, properties } of world.resourcesOfType('AWS::CloudWatch::Alarm')) {
    const alarmArn = world.arn(stack, logicalId);
    const actions = new Set(
      [...((properties.AlarmActions as unknown[]) ?? []), ...((properties.OKActions as unknown[]) ?? [])].map(
        (action) => String(world.resolve(action, stack)),
      ),
    );
    for (const topicArn of actions)
      publish('cloudwatch.amazonaws.com', topicArn, alarmArn, `alarm ${logicalId}`);
  }

  const integrations = new Map(
    world
      .resourcesOfType('AWS::ApiGatewayV2::Integration')
      .map(({ stack, logicalId, properties }) => [
        `${stack}/${logicalId}`,
        String(world.resolve(properties.IntegrationUri, stack)),
      ]),
  );
  for (const { stack, logicalId, properties } of world.resourcesOfType('AWS::ApiGatewayV2::Route')) {
    const target = String(world.resolve(properties.Target, stack)); // integrations/<id>
    const integrationId = target.replace(/^integrations\//, '');
    const functionArn = integrations.get(`${stack}/${integrationId}`);
    if (!functionArn) continue;
    const apiId = String(world.resolve(properties.ApiId, stack));
    const [method, path] = String(properties.RouteKey).split(' ') as [string, string];
    // API Gateway names the route's path template (`{proxy+}` as is) in the source ARN.
    const routePath = path.replace(/^\//, '');
    paths.push({
      request: {
        principal: 'apigateway.amazonaws.com',
        action: 'lambda:InvokeFunction',
        resource: functionArn,
        context: source(
          `arn:aws:execute-api:${world.region}:${world.account}:${apiId}/$default/${method}/${routePath}`,
        ),
      },
      why: `route ${logicalId} (${method} ${path}) invokes its integration`,
    });
  }
  return paths;
}
