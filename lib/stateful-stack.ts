import { CfnOutput, type Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ChatEventBus } from './constructs/chat-event-bus';
import { DeliveryQueues } from './constructs/delivery-queues';
import { EncryptionKeySecret } from './constructs/encryption-key-secret';
import { WebhookStore } from './constructs/webhook-store';

/** Settings of the stateful stack. */
export interface StatefulStackProps extends StackProps {
  /** EVENT_BUS_NAME. @default CONFIG_DEFAULTS.EVENT_BUS_NAME (src/config.ts) */
  readonly eventBusName?: string;
  /** @default Duration.days(30) */
  readonly archiveRetention?: Duration;
  /**
   * What happens on stack deletion (and on replacement) to everything that holds data: the key
   * secret, the bus and its archive, the delivery queue, its DLQ and the fan-out DLQ; the table too
   * unless this is the default (see the constructor).
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE (kept, except by the rollback of a failed first
   * create, which deletes what it created so the deploy can simply be retried)
   */
  readonly dataRemovalPolicy?: RemovalPolicy;
  /** @default 5 */
  readonly maxReceiveCount?: number;
}

/**
 * Everything that holds data: table, bus and archive, queues, key secret. Kept apart from code so
 * a function or API change can never replace a resource that holds state.
 */
export class StatefulStack extends Stack {
  public readonly table: dynamodb.Table;
  public readonly eventBus: events.EventBus;
  public readonly fanOutDeadLetterQueue: sqs.Queue;
  public readonly deliveryQueue: sqs.Queue;
  public readonly deliveryDeadLetterQueue: sqs.Queue;
  /** Ordered deliveries (FIFO) and their FIFO DLQ (docs/ordering.md). */
  public readonly orderedDeliveryQueue: sqs.Queue;
  public readonly orderedDeadLetterQueue: sqs.Queue;
  public readonly deliveryVisibilityTimeout: Duration;
  public readonly deadLetterVisibilityTimeout: Duration;
  public readonly encryptionKeySecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, props);
    const dataRemovalPolicy = props.dataRemovalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    const removalPolicy = { removalPolicy: dataRemovalPolicy };

    // The table is deletion-protected, which a rollback cannot get past: with RetainExceptOnCreate a
    // failed first create would end in ROLLBACK_FAILED. Plain Retain leaves an empty table behind
    // instead, under a generated name, so the retry creates a new one beside it without a clash.
    this.table = new WebhookStore(this, 'WebhookStore', {
      removalPolicy: props.dataRemovalPolicy === undefined ? RemovalPolicy.RETAIN : props.dataRemovalPolicy,
    }).table;
    this.encryptionKeySecret = new EncryptionKeySecret(this, 'EncryptionKey', removalPolicy).secret;

    const bus = new ChatEventBus(this, 'ChatEvents', {
      ...(props.eventBusName !== undefined ? { eventBusName: props.eventBusName } : {}),
      ...(props.archiveRetention ? { archiveRetention: props.archiveRetention } : {}),
    });
    this.eventBus = bus.eventBus;
    this.fanOutDeadLetterQueue = bus.fanOutDeadLetterQueue;

    const queues = new DeliveryQueues(this, 'DeliveryQueues', {
      ...(props.maxReceiveCount !== undefined ? { maxReceiveCount: props.maxReceiveCount } : {}),
    });
    this.deliveryQueue = queues.deliveryQueue;
    this.deliveryDeadLetterQueue = queues.deadLetterQueue;
    this.orderedDeliveryQueue = queues.orderedDeliveryQueue;
    this.orderedDeadLetterQueue = queues.orderedDeadLetterQueue;
    this.deliveryVisibilityTimeout = queues.deliveryVisibilityTimeout;
    this.deadLetterVisibilityTimeout = queues.deadLetterVisibilityTimeout;

    // Queued retries, dead letters and archived events are data too: deleting the stack must not
    // delete them with it (README "What is retained when a stack is deleted").
    for (const resource of [
      bus.eventBus,
      bus.archive,
      bus.fanOutDeadLetterQueue,
      queues.deliveryQueue,
      queues.deadLetterQueue,
      queues.orderedDeliveryQueue,
      queues.orderedDeadLetterQueue,
    ]) {
      resource.applyRemovalPolicy(dataRemovalPolicy);
    }

    // What `aws events start-replay` needs (README "Replaying events").
    new CfnOutput(this, 'EventBusArn', { value: bus.eventBus.eventBusArn });
    new CfnOutput(this, 'EventBusName', {
      value: bus.eventBus.eventBusName,
      description: 'The bus the chat platform publishes to (PutEvents EventBusName)',
    });
    new CfnOutput(this, 'EventArchiveArn', { value: bus.archive.archiveArn });
  }
}
