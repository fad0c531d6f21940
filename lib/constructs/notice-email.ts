import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { NOTICE_SOURCE } from '#adapters/eventbridge-notice-publisher';

/** The notices worth a person's e-mail: a webhook failing for a while, recovering, or disabled. */
export const NOTICE_DETAIL_TYPES = ['webhook.failing', 'webhook.recovered', 'webhook.disabled'] as const;

/** Loose on purpose (SNS checks the address itself); catches a missing `@`, domain or stray space. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Settings of the notice e-mail. */
export interface NoticeEmailProps {
  /** The bus the service publishes its notices on. */
  readonly eventBus: events.IEventBus;
  /** Address subscribed to the notice topic; throws at synth when it is not an e-mail address. */
  readonly email: string;
}

/**
 * Sends the service's webhook notices (failing, recovered, disabled) to one e-mail address: an
 * EventBridge rule on the service's bus targets an encrypted, TLS-only SNS topic with an e-mail
 * subscription. Only that rule may publish to the topic, so the address is not reachable by other
 * rules of the account.
 */
export class NoticeEmail extends Construct {
  public readonly topic: sns.Topic;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: NoticeEmailProps) {
    super(scope, id);
    if (!EMAIL.test(props.email)) {
      throw new Error(
        `noticeEmail "${props.email}" is not an e-mail address (e.g. -c noticeEmail=ops@example.com)`,
      );
    }

    // EventBridge cannot use the AWS-managed SNS key, so the topic gets its own key.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'chat-webhooks notice topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.topic = new sns.Topic(this, 'Topic', { masterKey: key, enforceSSL: true });
    this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));

    const detail = (path: string) => events.EventField.fromPath(`$.detail.${path}`);
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Webhook notices (failing, recovered, disabled) to the notice e-mail topic',
      eventBus: props.eventBus,
      eventPattern: { source: [NOTICE_SOURCE], detailType: [...NOTICE_DETAIL_TYPES] },
    });
    const message = events.RuleTargetInput.fromMultilineText(
      [
        `${events.EventField.detailType}: webhook ${detail('webhookId')} ${detail('webhookName')} of tenant ${detail('tenantId')}`,
        `at ${events.EventField.time}; failing since ${detail('failingSince')}; last error: ${detail('lastError')}; reason: ${detail('reason')}`,
        `Console: ${detail('consoleUrl')} (${detail('consolePath')})`,
      ].join('\n'),
    );
    const topicArn = this.topic.topicArn;
    this.rule.addTarget({ bind: () => ({ arn: topicArn, input: message }) });

    // Resource policies scoped to the rule: targets.SnsTopic would let any rule of any account publish.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'NoticeRulePublishes',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.rule.ruleArn } },
      }),
    );
    // The key cannot name the rule (rule → topic → key would be a cycle): rules of this bus only.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${props.eventBus.eventBusName}/*`,
          },
        },
      }),
    );
  }
}
