import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_KEYS } from '#adapters/dynamodb/table-definition';
import { StatefulStack } from '#lib/stateful-stack';
import { appWithoutBundling, resourcesOfType } from './cdk-fixtures';

describe('StatefulStack', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(new StatefulStack(appWithoutBundling(), 'Stateful'));
  });

  it('creates one on-demand table with PITR, encryption, TTL and the gsi1 index, retained on delete', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: TABLE_KEYS.timeToLiveAttribute, Enabled: true },
        DeletionProtectionEnabled: true,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    });
  });

  it.each([
    'AWS::SecretsManager::Secret',
    'AWS::Events::EventBus',
    'AWS::Events::Archive',
    'AWS::SQS::Queue',
  ])('retains every %s on stack deletion and on replacement', (type) => {
    const resources = template.findResources(type);
    expect(Object.keys(resources).length).toBeGreaterThan(0);
    for (const resource of Object.values(resources)) {
      // Kept on deletion and replacement; only the rollback of a failed first create removes them.
      expect(resource).toMatchObject({
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });

  it('holds nothing that is deleted with the stack but queue policies (no data)', () => {
    const deletable = Object.entries(template.toJSON().Resources as Record<string, Record<string, unknown>>)
      .filter(([, resource]) => !['Retain', 'RetainExceptOnCreate'].includes(String(resource.DeletionPolicy)))
      .map(([, resource]) => resource.Type);
    expect(new Set(deletable)).toEqual(new Set(['AWS::SQS::QueuePolicy']));
  });

  it('deletes the data with the stack only when told to (dataRemovalPolicy)', () => {
    const disposable = Template.fromStack(
      new StatefulStack(appWithoutBundling(), 'Disposable', { dataRemovalPolicy: RemovalPolicy.DESTROY }),
    );
    for (const type of ['AWS::SQS::Queue', 'AWS::Events::EventBus', 'AWS::Events::Archive']) {
      for (const resource of Object.values(disposable.findResources(type))) {
        expect(resource).toMatchObject({ DeletionPolicy: 'Delete' });
      }
    }
  });

  it('encrypts every queue, keeps messages 14 days and refuses non-TLS access to each', () => {
    const queues = resourcesOfType(template, 'AWS::SQS::Queue');
    // Deliveries, ordered deliveries (FIFO), their DLQs, the fan-out DLQ.
    expect(Object.keys(queues)).toHaveLength(5);
    for (const queue of Object.values(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
    const policies = Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy'));
    const securedQueueIds = policies.flatMap((policy) => {
      const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
        .Statement;
      const deniesInsecure = statements.some(
        (statement) =>
          statement.Effect === 'Deny' &&
          (statement.Condition as { Bool?: Record<string, string> } | undefined)?.Bool?.[
            'aws:SecureTransport'
          ] === 'false',
      );
      return deniesInsecure ? (policy.Properties.Queues as { Ref: string }[]).map((queue) => queue.Ref) : [];
    });
    expect(securedQueueIds.sort()).toEqual(Object.keys(queues).sort());
  });

  it('redrives deliveries to the DLQ after 5 receives, with visibility timeouts 6x the consumer timeouts', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 180,
      RedrivePolicy: Match.absent(),
    });
  });

  it('keeps ordered deliveries in a high-throughput FIFO queue redriving to a FIFO DLQ only after 1,000 receives (docs/ordering.md)', () => {
    const queues = Object.values(resourcesOfType(template, 'AWS::SQS::Queue'));
    const fifo = queues.filter((queue) => queue.Properties.FifoQueue === true);
    expect(fifo).toHaveLength(2);
    for (const queue of fifo) {
      // De-duplication ids come from the sender (fan-out's are stable across the bus's retries).
      expect(queue.Properties.ContentBasedDeduplication).toBe(false);
      expect(queue.Properties.DeduplicationScope).toBe('messageGroup');
      expect(queue.Properties.FifoThroughputLimit).toBe('perMessageGroupId');
    }
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 1000 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      VisibilityTimeout: 180,
      RedrivePolicy: Match.absent(),
    });
  });

  it('names the bus chat-events and archives chat.platform events for 30 days', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'chat-events' });
    template.hasResourceProperties('AWS::Events::Archive', {
      RetentionDays: 30,
      EventPattern: { source: ['chat.platform'] },
    });
  });

  it('lets only rules of the chat bus send to the fan-out dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: {
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':rule/chat-events/\\*$')])],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('generates a 64-character alphanumeric master key secret, retained on delete', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'RetainExceptOnCreate',
      Properties: Match.objectLike({
        GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }),
      }),
    });
  });

  it('takes the bus name and archive retention from props', () => {
    const custom = Template.fromStack(
      new StatefulStack(appWithoutBundling(), 'Custom', {
        eventBusName: 'acme-chat',
        archiveRetention: Duration.days(7),
      }),
    );
    custom.hasResourceProperties('AWS::Events::EventBus', { Name: 'acme-chat' });
    custom.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 7 });
  });

  it.each([
    ['an empty bus name', { eventBusName: '' }, /eventBusName/],
    ['the default bus', { eventBusName: 'default' }, /eventBusName/],
    ['a bus name with a slash', { eventBusName: 'a/b' }, /eventBusName/],
    ['maxReceiveCount 0', { maxReceiveCount: 0 }, /maxReceiveCount/],
    ['an archive retention under a day', { archiveRetention: Duration.hours(1) }, /archiveRetention/],
  ])('refuses %s', (_case, props, message) => {
    expect(() => new StatefulStack(appWithoutBundling(), 'Bad', props)).toThrow(message);
  });
});
