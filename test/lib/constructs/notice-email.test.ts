import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { settingsFromContext } from '#lib/app-settings';
import { buildApp } from '#lib/build-app';
import { buildStacks, resourcesOfType } from '#test/lib/cdk-fixtures';

describe('notice e-mail (-c noticeEmail=)', () => {
  it('adds nothing without an address', () => {
    const { serviceTemplate, service } = buildStacks();
    expect(service.noticeEmail).toBeUndefined();
    // Only the alarm topic.
    serviceTemplate.resourceCountIs('AWS::SNS::Topic', 1);
    serviceTemplate.resourcePropertiesCountIs(
      'AWS::Events::Rule',
      { EventPattern: { source: ['chat.webhooks'] } },
      0,
    );
  });

  describe('with an address', () => {
    const { serviceTemplate, service } = buildStacks({ noticeEmail: 'ops@example.com' });
    const topicId = () => service.getLogicalId(service.noticeEmail!.topic.node.defaultChild as never);
    const ruleId = () => service.getLogicalId(service.noticeEmail!.rule.node.defaultChild as never);

    it('subscribes the address to an encrypted topic', () => {
      serviceTemplate.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: { Ref: topicId() },
      });
      const topic = resourcesOfType(serviceTemplate, 'AWS::SNS::Topic')[topicId()]!;
      expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    });

    it('routes the three notices of the service to the topic with a readable message', () => {
      serviceTemplate.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: Match.anyValue(),
        EventPattern: {
          source: ['chat.webhooks'],
          'detail-type': ['webhook.failing', 'webhook.recovered', 'webhook.disabled'],
        },
        Targets: [
          Match.objectLike({
            Arn: { Ref: topicId() },
            InputTransformer: {
              InputPathsMap: Match.objectLike({
                'detail-webhookId': '$.detail.webhookId',
                'detail-consolePath': '$.detail.consolePath',
              }),
              InputTemplate: Match.stringLikeRegexp('webhook <detail-webhookId>'),
            },
          }),
        ],
      });
    });

    it('lets only its rule publish, over TLS', () => {
      const policies = resourcesOfType(serviceTemplate, 'AWS::SNS::TopicPolicy');
      const policy = Object.values(policies).find((candidate) =>
        JSON.stringify(candidate.Properties.Topics).includes(topicId()),
      )!;
      const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
        .Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sns:Publish',
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId(), 'Arn'] } } },
        }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
      // No statement lets EventBridge publish without naming the rule.
      for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
        expect(statement.Condition, JSON.stringify(statement)).toBeDefined();
      }
    });
  });

  it('refuses a bad address at synth, naming the key', () => {
    for (const bad of ['ops', 'ops@example', 'ops @example.com', 'ops@@example.com']) {
      const app = new App({
        context: { 'aws:cdk:bundling-stacks': [], noticeEmail: bad },
      });
      expect(() => buildApp(app, settingsFromContext(app), { nag: false }), bad).toThrow(
        /noticeEmail .* is not an e-mail address/,
      );
    }
  });

  it('reads the address from context', () => {
    const app = new App({ context: { noticeEmail: 'ops@example.com' } });
    expect(settingsFromContext(app).noticeEmail).toBe('ops@example.com');
  });
});
