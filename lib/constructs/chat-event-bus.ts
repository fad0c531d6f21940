import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONFIG_DEFAULTS } from '#config';
import { CHAT_EVENTS_PATTERN } from '../event-patterns';
import { configSetting } from '../function-environment';
import { FUNCTION_SIZING, visibilityTimeoutFor } from '../function-sizing';
import { createSecureQueue } from './secure-queue';

/** Settings of the chat event bus. */
export interface ChatEventBusProps {
  /**
   * Name of the custom bus the chat platform publishes to (EVENT_BUS_NAME); judged by src/config.ts.
   * @default CONFIG_DEFAULTS.EVENT_BUS_NAME
   */
  readonly eventBusName?: string;
  /**
   * How long chat events stay in the archive, available for replay after an outage or a bug.
   * @default Duration.days(30)
   */
  readonly archiveRetention?: Duration;
}

/**
 * The stateful half of event ingest: the custom bus, its archive for replay, and the queue that
 * receives events the fan-out rule could not deliver to its function.
 */
export class ChatEventBus extends Construct {
  public readonly eventBus: events.EventBus;
  public readonly archive: events.Archive;
  /** Dead-letter queue of the rule's fan-out target; lives here so no code deploy can drop it. */
  public readonly fanOutDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ChatEventBusProps = {}) {
    super(scope, id);
    const eventBusName = configSetting(
      'ChatEventBus',
      'eventBusName',
      'EVENT_BUS_NAME',
      props.eventBusName ?? CONFIG_DEFAULTS.EVENT_BUS_NAME,
    );
    const archiveRetention = props.archiveRetention ?? Duration.days(30);
    if (archiveRetention.toDays({ integral: false }) < 1) {
      throw new Error('ChatEventBus: archiveRetention must be at least one day');
    }

    this.eventBus = new events.EventBus(this, 'Bus', { eventBusName });
    this.archive = this.eventBus.archive('Archive', {
      description: 'Chat platform events, kept for replay',
      eventPattern: CHAT_EVENTS_PATTERN,
      retention: archiveRetention,
    });
    // aws-cdk-lib writes `KmsKeyIdentifier: ""` when no key is given, which some regions refuse;
    // without the property the archive uses an AWS-owned key, as intended.
    (this.archive.node.defaultChild as events.CfnArchive).addPropertyDeletionOverride('KmsKeyIdentifier');

    // Consumed by the fan-out DLQ processor: its visibility timeout covers six of its invocations.
    this.fanOutDeadLetterQueue = createSecureQueue(this, 'FanOutDeadLetterQueue', {
      visibilityTimeout: visibilityTimeoutFor(FUNCTION_SIZING.fanOutDlqProcessor.timeout),
    });
    // The rule targeting the fan-out function lives in the service stack. Letting CDK add this
    // statement there would make this stack depend on that one (a cycle), so the statement is
    // written here, scoped to rules of this bus in this account.
    this.fanOutDeadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowRulesOfTheChatBus',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.fanOutDeadLetterQueue.queueArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${eventBusName}/*`,
          },
        },
      }),
    );
    Validations.of(this.fanOutDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: the DeadLetterConfig of the fan-out rule target, which ' +
        'cdk-nag does not recognise (it only looks for SQS redrive policies and Lambda DLQs).',
    });
  }
}
