import { Duration } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DELIVERY_MAX_RECEIVES, ORDERED_DELIVERY_MAX_RECEIVES } from '#domain/delivery-task';
import { ORDERED_QUEUE_RETENTION_SECONDS } from '#domain/ordering';
import { FUNCTION_SIZING, visibilityTimeoutFor } from '../function-sizing';
import { createSecureQueue, QUEUE_RETENTION } from './secure-queue';

/** Settings of the delivery queues. */
export interface DeliveryQueuesProps {
  /**
   * Timeout of the delivery function; the delivery queue's visibility timeout is six times it.
   * @default FUNCTION_SIZING.delivery.timeout (60 seconds)
   */
  readonly deliveryFunctionTimeout?: Duration;
  /**
   * Timeout of the DLQ processor function; the DLQ's visibility timeout is six times it.
   * @default FUNCTION_SIZING.dlqProcessor.timeout (30 seconds)
   */
  readonly deadLetterProcessorTimeout?: Duration;
  /**
   * Receives of one message before SQS moves it to the DLQ. Deliveries that exhaust their retry
   * schedule are sent to the DLQ by the application; this catches messages that crash the function.
   * @default DELIVERY_MAX_RECEIVES (5, src/domain/delivery-task.ts; the local queue uses it too)
   */
  readonly maxReceiveCount?: number;
  /**
   * Retention of both queues.
   * @default QUEUE_RETENTION (14 days)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * The delivery queue and its dead-letter queue, and the ordered (FIFO) delivery queue and its FIFO
 * dead-letter queue for webhooks that order per conversation (docs/ordering.md); all encrypted and
 * TLS-only.
 */
export class DeliveryQueues extends Construct {
  public readonly deliveryQueue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  /**
   * Ordered deliveries: one message group per (tenant, webhook, conversation); a retry holds its
   * message by visibility, so it keeps 14 days and redrives only after SQS's largest receive count.
   */
  public readonly orderedDeliveryQueue: sqs.Queue;
  public readonly orderedDeadLetterQueue: sqs.Queue;
  /** The delivery queue's visibility timeout, handed to the consumer so it can check its own timeout. */
  public readonly deliveryVisibilityTimeout: Duration;
  /** The DLQ's visibility timeout, handed to the DLQ processor for the same check. */
  public readonly deadLetterVisibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: DeliveryQueuesProps = {}) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? DELIVERY_MAX_RECEIVES;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(
        `DeliveryQueues: maxReceiveCount must be an integer from 1 to 1000, got ${maxReceiveCount}`,
      );
    }
    const retentionPeriod = props.retentionPeriod ?? QUEUE_RETENTION;
    this.deliveryVisibilityTimeout = visibilityTimeoutFor(
      props.deliveryFunctionTimeout ?? FUNCTION_SIZING.delivery.timeout,
    );
    this.deadLetterVisibilityTimeout = visibilityTimeoutFor(
      props.deadLetterProcessorTimeout ?? FUNCTION_SIZING.dlqProcessor.timeout,
    );
    for (const [name, timeout] of [
      ['delivery', this.deliveryVisibilityTimeout],
      ['dead-letter', this.deadLetterVisibilityTimeout],
    ] as const) {
      if (timeout.toSeconds() > 43_200) {
        throw new Error(
          `DeliveryQueues: the ${name} visibility timeout would exceed the SQS maximum of 12 hours`,
        );
      }
    }

    this.deadLetterQueue = createSecureQueue(this, 'DeadLetterQueue', {
      retentionPeriod,
      visibilityTimeout: this.deadLetterVisibilityTimeout,
    });
    this.deliveryQueue = createSecureQueue(this, 'DeliveryQueue', {
      retentionPeriod,
      visibilityTimeout: this.deliveryVisibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    // Always the longest retention: a held retry must outlast the whole schedule (config.ts checks it).
    const orderedRetention = Duration.seconds(ORDERED_QUEUE_RETENTION_SECONDS);
    this.orderedDeadLetterQueue = createSecureQueue(this, 'OrderedDeadLetterQueue', {
      retentionPeriod: orderedRetention,
      visibilityTimeout: this.deadLetterVisibilityTimeout,
      fifo: true,
    });
    this.orderedDeliveryQueue = createSecureQueue(this, 'OrderedDeliveryQueue', {
      retentionPeriod: orderedRetention,
      visibilityTimeout: this.deliveryVisibilityTimeout,
      deadLetterQueue: { queue: this.orderedDeadLetterQueue, maxReceiveCount: ORDERED_DELIVERY_MAX_RECEIVES },
      fifo: true,
    });
  }
}
