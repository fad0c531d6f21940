import type { Template } from 'aws-cdk-lib/assertions';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '#domain/event-catalogue';
import { FUNCTION_SIZING, VISIBILITY_TIMEOUT_FACTOR } from '#lib/function-sizing';
import { buildStacks, resourcesOfType } from './cdk-fixtures';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type FunctionProps = {
  Role: { 'Fn::GetAtt': [string, string] };
  Timeout: number;
  MemorySize: number;
  Environment: { Variables: Record<string, unknown> };
  [key: string]: unknown;
};

/** The function whose handler entry is functions/<name>.ts, found by its memory/timeout and role. */
function functionsByRole(template: Template): Map<string, { props: FunctionProps; statements: Statement[] }> {
  const policies = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'));
  const result = new Map<string, { props: FunctionProps; statements: Statement[] }>();
  for (const [id, fn] of Object.entries(resourcesOfType(template, 'AWS::Lambda::Function'))) {
    const props = fn.Properties as FunctionProps;
    const roleId = props.Role['Fn::GetAtt'][0];
    const statements = policies
      .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const name = [
      'EventIngestFanOutDeadLetterProcessor',
      'EventIngestFanOut',
      'DeliveryPipelineDelivery',
      'DeliveryPipelineDeadLetter',
      'AdminApiPortalAuthorizer',
      'AdminApi',
    ].find((prefix) => id.startsWith(prefix));
    result.set(
      {
        EventIngestFanOutDeadLetterProcessor: 'fan-out-dlq-processor',
        EventIngestFanOut: 'fan-out',
        DeliveryPipelineDelivery: 'delivery',
        DeliveryPipelineDeadLetter: 'dlq-processor',
        AdminApiPortalAuthorizer: 'portal-authorizer',
        AdminApi: 'api',
      }[name as string] ?? id,
      { props, statements },
    );
  }
  return result;
}

function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((statement) =>
    Array.isArray(statement.Action) ? statement.Action : [statement.Action],
  );
}

describe('ServiceStack', () => {
  let template: Template;
  let statefulTemplate: Template;
  let functions: ReturnType<typeof functionsByRole>;

  beforeAll(() => {
    const stacks = buildStacks();
    template = stacks.serviceTemplate;
    statefulTemplate = stacks.statefulTemplate;
    functions = functionsByRole(template);
  });

  it('runs six functions on the current Node.js runtime, arm64, without X-Ray (nothing makes a segment), with their sizes', () => {
    expect([...functions.keys()].sort()).toEqual([
      'api',
      'delivery',
      'dlq-processor',
      'fan-out',
      'fan-out-dlq-processor',
      'portal-authorizer',
    ]);
    const expected = {
      api: FUNCTION_SIZING.api,
      'fan-out': FUNCTION_SIZING.fanOut,
      delivery: FUNCTION_SIZING.delivery,
      'dlq-processor': FUNCTION_SIZING.dlqProcessor,
      'fan-out-dlq-processor': FUNCTION_SIZING.fanOutDlqProcessor,
      'portal-authorizer': FUNCTION_SIZING.portalAuthorizer,
    };
    for (const [name, { props }] of functions) {
      const sizing = expected[name as keyof typeof expected];
      expect(props).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: sizing.memorySize,
        Timeout: sizing.timeout.toSeconds(),
        LoggingConfig: { LogGroup: expect.anything() },
      });
      expect(props.TracingConfig).toBeUndefined();
      expect(props.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'chat-webhooks',
        POWERTOOLS_METRICS_NAMESPACE: 'ChatWebhooks',
        // Source maps, and V8's old generation capped below the function's memory (nodeOptionsFor).
        NODE_OPTIONS: `--enable-source-maps --max-old-space-size=${Math.floor(sizing.memorySize * 0.6)}`,
        TABLE_NAME: expect.anything(),
      });
    }
    // Chosen by the bench's receiver-latency phases (bench/RESULTS.md, issue 14).
    expect(FUNCTION_SIZING.delivery.memorySize).toBe(256);
  });

  it('gives each function only the environment it reads', () => {
    const keys = (name: string) => Object.keys(functions.get(name)?.props.Environment.Variables ?? {}).sort();
    const common = ['NODE_OPTIONS', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME', 'TABLE_NAME'];
    expect(keys('api')).toEqual(
      [
        ...common,
        'DELIVERY_QUEUE_URL',
        'DELIVERY_TIMEOUT_MS',
        'ENCRYPTION_KEY_SECRET_ARN',
        'ORDERED_DELIVERY_QUEUE_URL',
        'TENANT_CLAIM',
      ].sort(),
    );
    expect(keys('portal-authorizer')).toEqual(common);
    expect(keys('fan-out')).toEqual(
      [...common, 'DELIVERY_QUEUE_URL', 'ORDERED_DELIVERY_QUEUE_URL', 'REJECTED_EVENT_TTL_DAYS'].sort(),
    );
    expect(keys('delivery')).toEqual(
      [
        ...common,
        'AUTO_DISABLE_AFTER_DAYS',
        'DELIVERY_DLQ_URL',
        'DELIVERY_QUEUE_URL',
        'DELIVERY_TIMEOUT_MS',
        'ENCRYPTION_KEY_SECRET_ARN',
        'EVENT_BUS_NAME',
        'ORDERED_DELIVERY_DLQ_URL',
        'ORDERED_DELIVERY_QUEUE_URL',
        'RETRY_SCHEDULE',
      ].sort(),
    );
    expect(keys('dlq-processor')).toEqual([...common, 'FAILURE_LOG_TTL_DAYS'].sort());
    const delivery = functions.get('delivery')?.props.Environment.Variables;
    expect(delivery?.RETRY_SCHEDULE).toBe('5,300,1800,7200,18000,36000,36000');
    expect(delivery?.DELIVERY_TIMEOUT_MS).toBe('10000');
    expect(functions.get('api')?.props.Environment.Variables.TENANT_CLAIM).toBe('tenant_id');
  });

  it('reserves no concurrency by default, so a new account with a low limit can deploy', () => {
    for (const fn of Object.values(resourcesOfType(template, 'AWS::Lambda::Function'))) {
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  it('reserves what the props ask for, and nothing for the other functions', () => {
    const { serviceTemplate } = buildStacks({
      deliveryReservedConcurrency: 50,
      fanOutReservedConcurrency: 20,
    });
    const reserved = functionsByRole(serviceTemplate);
    expect(reserved.get('delivery')?.props.ReservedConcurrentExecutions).toBe(50);
    expect(reserved.get('fan-out')?.props.ReservedConcurrentExecutions).toBe(20);
    expect(reserved.get('api')?.props.ReservedConcurrentExecutions).toBeUndefined();
    expect(reserved.get('dlq-processor')?.props.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('consumes both delivery queues and the fan-out DLQ with partial batch failure reporting, delivery capped by maxConcurrency', () => {
    // The delivery queue, the ordered (FIFO) delivery queue, their two DLQs and the fan-out DLQ.
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 5);
    for (const mapping of Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping'))) {
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 50 },
      BatchSize: 10,
    });
  });

  it('sets the delivery queue visibility timeout to six times the delivery function timeout', () => {
    const deliveryTimeout = functions.get('delivery')?.props.Timeout ?? 0;
    expect(deliveryTimeout).toBeGreaterThan(0);
    statefulTemplate.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: deliveryTimeout * VISIBILITY_TIMEOUT_FACTOR,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
    const processorTimeout = functions.get('dlq-processor')?.props.Timeout ?? 0;
    statefulTemplate.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: processorTimeout * VISIBILITY_TIMEOUT_FACTOR,
      RedrivePolicy: Match.absent(),
    });
  });

  it('routes the catalogue of chat.platform events, and every other chat.platform detail-type, to fan-out with retries and a dead-letter queue', () => {
    template.resourceCountIs('AWS::Events::Rule', 2);
    const rules = resourcesOfType(template, 'AWS::Events::Rule');
    const byId = (prefix: string) =>
      Object.entries(rules).find(([id]) => id.startsWith(prefix))?.[1] as
        | { Properties: Record<string, unknown> }
        | undefined;
    const catalogue = byId('EventIngestChatEventsToFanOut');
    const unknown = byId('EventIngestUnknownChatEventsToFanOut');
    const pattern = catalogue?.Properties.EventPattern as { source: string[]; 'detail-type': string[] };
    expect(pattern.source).toEqual(['chat.platform']);
    expect([...pattern['detail-type']].sort()).toEqual([...EVENT_TYPES].sort());
    expect(pattern['detail-type']).toHaveLength(EVENT_TYPES.length);
    const unknownPattern = unknown?.Properties.EventPattern as {
      source: string[];
      'detail-type': { 'anything-but': string[] }[];
    };
    expect(unknownPattern.source).toEqual(['chat.platform']);
    expect(unknownPattern['detail-type']).toHaveLength(1);
    expect([...(unknownPattern['detail-type'][0]?.['anything-but'] ?? [])].sort()).toEqual(
      [...EVENT_TYPES].sort(),
    );
    for (const rule of [catalogue, unknown]) {
      expect(rule?.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/^EventIngestFanOutFunction/), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: expect.anything() },
        }),
      ]);
    }
  });

  it('denies PutEvents with the chat.webhooks source on the bus to every principal but the delivery role (docs/contract.md#notices)', () => {
    // One statement on the bus, and no other policy on it that could allow the source back.
    expect(Object.keys(resourcesOfType(template, 'AWS::Events::EventBusPolicy'))).toHaveLength(1);
    expect(Object.keys(resourcesOfType(statefulTemplate, 'AWS::Events::EventBusPolicy'))).toHaveLength(0);
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      StatementId: 'OnlyTheServicePublishesItsNotices',
      Statement: {
        Effect: 'Deny',
        Principal: '*',
        Action: 'events:PutEvents',
        Condition: {
          'ForAnyValue:StringEquals': { 'events:source': 'chat.webhooks' },
          ArnNotEquals: {
            'aws:PrincipalArn': {
              'Fn::GetAtt': [Match.stringLikeRegexp('^DeliveryPipelineDeliveryRole'), 'Arn'],
            },
          },
        },
      },
    });
  });

  it('drains the fan-out DLQ into rejected events: a processor with partial batch failures and table writes only', () => {
    const processor = functions.get('fan-out-dlq-processor');
    expect(Object.keys(processor?.props.Environment.Variables ?? {}).sort()).toEqual(
      expect.arrayContaining(['REJECTED_EVENT_TTL_DAYS', 'TABLE_NAME']),
    );
    const actions = actionsOf(processor?.statements ?? []);
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']),
    );
    expect(actions.filter((action) => /^(sqs:SendMessage|events:|secretsmanager:)/.test(action))).toEqual([]);
    const mappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping'));
    const processorMapping = mappings.find((mapping) =>
      JSON.stringify(mapping.Properties.FunctionName).includes('EventIngestFanOutDeadLetterProcessor'),
    );
    expect(processorMapping?.Properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(JSON.stringify(processorMapping?.Properties.EventSourceArn)).toMatch(/FanOutDeadLetterQueue/);
  });

  it('grants no role a managed policy, a table Scan, or a wildcard resource on data-plane actions', () => {
    for (const role of Object.values(resourcesOfType(template, 'AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const [name, { statements }] of functions) {
      expect(actionsOf(statements), name).not.toContain('dynamodb:Scan');
      for (const statement of statements) {
        const actions = actionsOf([statement]);
        if (actions.some((action) => /^(dynamodb|sqs|secretsmanager|events|kms):/.test(action))) {
          expect(JSON.stringify(statement.Resource), `${name} ${actions.join(',')}`).not.toMatch(
            /"\*"|^"\*"$/,
          );
        }
        expect(
          actions.some((action) => action.endsWith(':*') || action === '*'),
          name,
        ).toBe(false);
      }
    }
  });

  it('grants each function only the services it uses', () => {
    const has = (name: string, action: string) =>
      actionsOf(functions.get(name)?.statements ?? []).includes(action);
    // Secrets: only the functions that decrypt webhook secrets.
    expect(['api', 'delivery'].filter((name) => has(name, 'secretsmanager:GetSecretValue'))).toEqual([
      'api',
      'delivery',
    ]);
    expect(has('fan-out', 'secretsmanager:GetSecretValue')).toBe(false);
    expect(has('dlq-processor', 'secretsmanager:GetSecretValue')).toBe(false);
    // Events: only delivery publishes webhook.disabled.
    expect(has('delivery', 'events:PutEvents')).toBe(true);
    expect(has('dlq-processor', 'events:PutEvents')).toBe(false);
    expect(has('api', 'events:PutEvents')).toBe(false);
    expect(has('fan-out', 'events:PutEvents')).toBe(false);
    // Table writes for all four (fan-out stores rejected events).
    for (const name of ['api', 'fan-out', 'delivery', 'dlq-processor'])
      expect(has(name, 'dynamodb:PutItem')).toBe(true);
    // Sending to queues: everyone but the DLQ processor; delivery sends to three (retries, the DLQ and
    // the ordered DLQ), and only it changes visibility: an ordered retry holds its message
    // (docs/ordering.md).
    expect(has('dlq-processor', 'sqs:SendMessage')).toBe(false);
    const sendTargets = (functions.get('delivery')?.statements ?? []).filter((statement) =>
      actionsOf([statement]).includes('sqs:SendMessage'),
    );
    expect(sendTargets).toHaveLength(3);
    for (const name of ['api', 'fan-out', 'dlq-processor'])
      expect(has(name, 'sqs:ChangeMessageVisibility')).toBe(false);
    expect(has('delivery', 'sqs:ChangeMessageVisibility')).toBe(true);
  });

  it('scopes table access to the table, and the gsi1 index by name to the API alone (its only reader)', () => {
    const indexGrants = (name: string) =>
      (functions.get(name)?.statements ?? []).filter((candidate) =>
        JSON.stringify(candidate.Resource).includes('/index/'),
      );
    const [statement] = indexGrants('api');
    expect(actionsOf([statement!])).toEqual(['dynamodb:Query']);
    const resources = JSON.stringify(statement?.Resource);
    expect(resources).toContain('/index/gsi1');
    expect(resources).not.toContain('index/*');
    for (const name of ['fan-out', 'delivery', 'dlq-processor', 'fan-out-dlq-processor'])
      expect(indexGrants(name)).toEqual([]);
    // The fan-out DLQ processor only records rejected events.
    expect(
      actionsOf(functions.get('fan-out-dlq-processor')?.statements ?? []).filter((action) =>
        action.startsWith('dynamodb:'),
      ),
    ).toEqual(['dynamodb:PutItem']);
  });

  it('protects every route but the /health probe, GET /v1/openapi.json and the portal link exchange with the JWT authorizer (the portal session authorizer under /portal), naming methods (never ANY or OPTIONS)', () => {
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual([
      'DELETE /portal/v1/{proxy+}',
      'DELETE /v1/{proxy+}',
      'GET /health',
      'GET /portal/v1/{proxy+}',
      'GET /v1/openapi.json',
      'GET /v1/{proxy+}',
      'HEAD /health',
      'PATCH /portal/v1/{proxy+}',
      'PATCH /v1/{proxy+}',
      'POST /portal/v1/{proxy+}',
      'POST /v1/portal-sessions/exchange',
      'POST /v1/{proxy+}',
    ]);
    for (const route of routes) {
      const key = String(route.Properties.RouteKey);
      if (key.includes(' /portal/')) {
        expect(route.Properties.AuthorizationType).toBe('CUSTOM');
      } else if (
        key.endsWith(' /health') ||
        key === 'GET /v1/openapi.json' ||
        key === 'POST /v1/portal-sessions/exchange'
      ) {
        expect(route.Properties.AuthorizationType).toBe('NONE');
      } else {
        expect(route.Properties.AuthorizationType).toBe('JWT');
        expect(route.Properties.AuthorizerId).toBeDefined();
      }
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['chat-webhooks-admin'] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  it('throttles the default stage and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
    });
  });

  it('alarms on both DLQs, the delivery backlog and each function’s errors, notifying an encrypted topic', () => {
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'));
    const byMetric = (metricName: string) =>
      alarms.filter((alarm) => alarm.Properties.MetricName === metricName);
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(2);
    for (const alarm of [
      ...byMetric('ApproximateNumberOfMessagesVisible'),
      ...byMetric('NumberOfMessagesSent'),
    ]) {
      expect(alarm.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    }
    // The fan-out DLQ is drained by its processor: every arrival alarms, whatever the depth.
    expect(byMetric('NumberOfMessagesSent')).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          Statistic: 'Sum',
          AlarmDescription: expect.stringMatching(/replay/),
        }),
      }),
    ]);
    expect(byMetric('ApproximateAgeOfOldestMessage')).toHaveLength(1);
    expect(byMetric('Errors')).toHaveLength(5);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('subscribes the alarm email when one is given', () => {
    const { serviceTemplate } = buildStacks({ alarmEmail: 'oncall@example.com' });
    serviceTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });
});
