import { Annotations, Aws, Duration, Lazy, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Settings of the operational alarms. */
export interface AlarmsProps {
  readonly deliveryQueue: sqs.IQueue;
  readonly deliveryDeadLetterQueue: sqs.IQueue;
  readonly fanOutDeadLetterQueue: sqs.IQueue;
  /** Functions whose Errors metric gets an alarm, by a short name used in the alarm's id. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /**
   * Age of the oldest delivery message that means deliveries are falling behind.
   * @default Duration.minutes(30)
   */
  readonly oldestMessageAgeThreshold?: Duration;
  /**
   * Email address subscribed to the alarm topic.
   * @default no subscription (subscribe to `topic` yourself)
   */
  readonly alarmEmail?: string;
}

/** Alarms on dead-letter queues, delivery backlog and function errors, notifying one SNS topic. */
export class Alarms extends Construct {
  /** Where alarms notify; encrypted with a customer key CloudWatch may use, TLS-only. */
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const ageThreshold = props.oldestMessageAgeThreshold ?? Duration.minutes(30);
    if (ageThreshold.toSeconds() < 60)
      throw new Error('Alarms: oldestMessageAgeThreshold must be at least 1 minute');
    if (props.alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(props.alarmEmail)) {
      throw new Error(`Alarms: alarmEmail "${props.alarmEmail}" is not an email address`);
    }
    if (Object.keys(props.functions).length === 0)
      throw new Error('Alarms: functions must name at least one');

    // The AWS-managed SNS key does not let CloudWatch use it, so the topic gets its own key.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'chat-webhooks alarm topic',
      enableKeyRotation: true,
      // Kept on stack deletion (as CDK's default), but not after a failed first create.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', { masterKey: key, enforceSSL: true });
    if (props.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    } else {
      Annotations.of(this).addWarningV2(
        'chat-webhooks:alarmsReachNobody',
        'No alarmEmail given: the alarms publish to an SNS topic nobody subscribes to. Deploy with ' +
          '-c alarmEmail=ops@example.com, or subscribe to the AlarmTopicArn output yourself.',
      );
    }
    const action = new actions.SnsAction(this.topic);

    const add = (alarmId: string, options: cloudwatch.CreateAlarmOptions, metric: cloudwatch.Metric) => {
      const alarm = metric.createAlarm(this, alarmId, options);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };

    add(
      'DeliveryDeadLetters',
      {
        alarmDescription: 'Deliveries reached the DLQ and the DLQ processor has not written them off',
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
      props.deliveryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
    );
    // The fan-out DLQ has a processor, so its depth falls back to zero within seconds: alarm on
    // arrivals (EventBridge's SendMessage counts as sent), and separately on messages it leaves behind.
    add(
      'FanOutDeadLetters',
      {
        alarmDescription:
          'Chat events exhausted the fan-out retries: listed as rejected events (fan_out_failed); ' +
          'replay them from the bus archive (README "Replaying events")',
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
      props.fanOutDeadLetterQueue.metricNumberOfMessagesSent({
        period: Duration.minutes(5),
        statistic: 'Sum',
      }),
    );
    add(
      'FanOutDeadLettersUnprocessed',
      {
        alarmDescription:
          'The fan-out DLQ processor is not recording dead-lettered chat events (see its Errors alarm)',
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
      props.fanOutDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Minimum',
      }),
    );
    add(
      'DeliveryBacklog',
      {
        alarmDescription: 'The oldest delivery has waited too long: deliveries are falling behind',
        threshold: ageThreshold.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
      props.deliveryQueue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
    );
    for (const [name, fn] of Object.entries(props.functions)) {
      add(
        `${name}Errors`,
        {
          alarmDescription: `The ${name} function is failing invocations`,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
        fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      );
    }
    // A topic policy replaces SNS's default one, so the enforceSSL statement alone left CloudWatch
    // implicitly denied: alarms changed state and no e-mail ever went out. Allowed for this stack's
    // alarms only (the confused-deputy conditions AWS documents for CloudWatch → SNS).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowTheAlarmsOfThisStack',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          // Lazy: an alarm added to `alarms` after construction is allowed too.
          ArnLike: {
            'aws:SourceArn': Lazy.list({ produce: () => this.alarms.map((alarm) => alarm.alarmArn) }),
          },
        },
      }),
    );
  }
}
