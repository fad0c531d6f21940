/**
 * Service-to-service paths of the deployed app, simulated with a real IAM policy evaluator over the
 * synthesised resource policies: EventBridge → the fan-out function and its dead-letter queue,
 * CloudWatch → the alarm topic (and its key), API Gateway → the API function, and Lambda's SQS
 * pollers and log writes with each function's role.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AccountPolicies, type IamVerdict } from '#test/support/iam/account-policies';
import { functionRoles, platformCalls, servicePaths } from '#test/support/iam/service-paths';
import { synthesizedWorld } from '#test/support/iam/synthesized-world';

describe('service-to-service paths, simulated over the synthesised policies', () => {
  let policies: AccountPolicies;
  let verdicts: (IamVerdict & { why: string })[];

  beforeAll(async () => {
    policies = new AccountPolicies(synthesizedWorld().world);
    const requests = [...servicePaths(policies.world), ...platformCalls(policies.world)];
    verdicts = await Promise.all(
      requests.map(async ({ request, why }) => ({ ...(await policies.evaluate(request)), why })),
    );
  }, 120_000);

  const denied = () =>
    verdicts
      .filter((verdict) => verdict.result !== 'Allowed')
      .map(
        (verdict) =>
          `${verdict.why}: ${verdict.principal} ${verdict.action} ${verdict.resource} → ${verdict.result}`,
      );

  it('allows every path, each one found in the templates', () => {
    expect(denied()).toEqual([]);
    const count = (principal: string, action: string) =>
      verdicts.filter((verdict) => verdict.principal === principal && verdict.action === action).length;
    // Two rules (catalogue, unknown types), each with the fan-out target and its dead-letter queue.
    expect(count('events.amazonaws.com', 'lambda:InvokeFunction')).toBe(2);
    expect(count('events.amazonaws.com', 'sqs:SendMessage')).toBe(2);
    // Every alarm reaches the topic, and the topic's key.
    expect(count('cloudwatch.amazonaws.com', 'sns:Publish')).toBe(
      policies.world.resourcesOfType('AWS::CloudWatch::Alarm').length,
    );
    expect(count('cloudwatch.amazonaws.com', 'kms:GenerateDataKey')).toBeGreaterThan(0);
    expect(count('apigateway.amazonaws.com', 'lambda:InvokeFunction')).toBeGreaterThanOrEqual(2);
    // Five SQS event sources (delivery, ordered delivery, their DLQs, the fan-out DLQ), three actions each.
    expect(verdicts.filter((verdict) => verdict.why.startsWith('Lambda polls'))).toHaveLength(15);
  });

  it('is not a rubber stamp: another account’s alarm, another bus’s rule and a stranger are refused', async () => {
    const topic = verdicts.find((verdict) => verdict.action === 'sns:Publish')!;
    const alien = await policies.evaluate({
      ...topic,
      context: {
        'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:999988887777:alarm:theirs',
        'aws:SourceAccount': '999988887777',
      },
    });
    expect(alien.result).not.toBe('Allowed');
    const dlq = verdicts.find(
      (verdict) => verdict.principal === 'events.amazonaws.com' && verdict.action === 'sqs:SendMessage',
    )!;
    const otherBus = await policies.evaluate({
      ...dlq,
      context: {
        'aws:SourceArn': 'arn:aws:events:eu-west-1:111122223333:rule/other-bus/r',
        'aws:SourceAccount': '111122223333',
      },
    });
    expect(otherBus.result).not.toBe('Allowed');
    const invoke = verdicts.find((verdict) => verdict.action === 'lambda:InvokeFunction')!;
    const stranger = await policies.evaluate({ ...invoke, principal: 'sns.amazonaws.com' });
    expect(stranger.result).not.toBe('Allowed');
  });
});

describe('EventBridge → the notice e-mail topic (-c noticeEmail=), simulated', () => {
  let policies: AccountPolicies;
  let verdicts: (IamVerdict & { why: string })[];

  beforeAll(async () => {
    policies = new AccountPolicies(synthesizedWorld({ context: { noticeEmail: 'ops@example.com' } }).world);
    verdicts = await Promise.all(
      servicePaths(policies.world)
        .filter(({ request }) => request.principal === 'events.amazonaws.com')
        .filter(({ request }) => request.action === 'sns:Publish' || request.action.startsWith('kms:'))
        .map(async ({ request, why }) => ({ ...(await policies.evaluate(request)), why })),
    );
  }, 120_000);

  it('lets the notice rule publish to its topic and use the topic’s key', () => {
    expect(verdicts.map((verdict) => `${verdict.action} ${verdict.result}`).sort()).toEqual([
      'kms:Decrypt Allowed',
      'kms:GenerateDataKey Allowed',
      'sns:Publish Allowed',
    ]);
  });

  it('refuses another rule of the account, another account’s rule and another service', async () => {
    const publish = verdicts.find((verdict) => verdict.action === 'sns:Publish')!;
    const otherRule = await policies.evaluate({
      ...publish,
      context: {
        'aws:SourceArn': 'arn:aws:events:eu-west-1:111122223333:rule/chat-events/someone-elses-rule',
        'aws:SourceAccount': '111122223333',
      },
    });
    expect(otherRule.result).not.toBe('Allowed');
    const otherAccount = await policies.evaluate({
      ...publish,
      context: {
        'aws:SourceArn': 'arn:aws:events:eu-west-1:999988887777:rule/chat-events/theirs',
        'aws:SourceAccount': '999988887777',
      },
    });
    expect(otherAccount.result).not.toBe('Allowed');
    const stranger = await policies.evaluate({ ...publish, principal: 'cloudwatch.amazonaws.com' });
    expect(stranger.result).not.toBe('Allowed');
    const key = verdicts.find((verdict) => verdict.action === 'kms:GenerateDataKey')!;
    const otherBus = await policies.evaluate({
      ...key,
      context: {
        'aws:SourceArn': 'arn:aws:events:eu-west-1:111122223333:rule/other-bus/r',
        'aws:SourceAccount': '111122223333',
      },
    });
    expect(otherBus.result).not.toBe('Allowed');
  });
});

describe('the bus takes the service’s own source only from the service (docs/contract.md#notices), simulated', () => {
  let policies: AccountPolicies;
  let busArn: string;
  let deliveryRole: string;
  /** Another principal of the account whose own policy allows PutEvents anywhere (the platform's publisher). */
  let platformRole: string;

  beforeAll(() => {
    policies = new AccountPolicies(synthesizedWorld().world);
    const world = policies.world;
    const [bus] = world.resourcesOfType('AWS::Events::EventBus');
    busArn = String(world.resolve({ 'Fn::GetAtt': [bus!.logicalId, 'Arn'] }, bus!.stack));
    const delivery = [...functionRoles(world)].find(([logicalId]) =>
      logicalId.startsWith('DeliveryPipelineDelivery'),
    );
    deliveryRole = delivery![1].roleArn;
    platformRole = `arn:aws:iam::${world.account}:role/platform-publisher`;
    policies.identity.set(platformRole, [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }]);
  }, 120_000);

  const put = (principal: string, sources: string[]) =>
    policies.evaluate({
      principal,
      action: 'events:PutEvents',
      resource: busArn,
      context: { 'events:source': sources },
    });

  it('refuses chat.webhooks from another principal of the account, alone or among other entries', async () => {
    expect((await put(platformRole, ['chat.webhooks'])).result).toBe('ExplicitlyDenied');
    expect((await put(platformRole, ['chat.platform', 'chat.webhooks'])).result).toBe('ExplicitlyDenied');
  });

  it('still lets that principal publish chat events, and the delivery function its notices', async () => {
    expect((await put(platformRole, ['chat.platform'])).result).toBe('Allowed');
    expect((await put(deliveryRole, ['chat.webhooks'])).result).toBe('Allowed');
  });
});
