import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** The SQS maximum: an outage of a queue's consumer loses nothing for two weeks. */
export const QUEUE_RETENTION = Duration.days(14);

/** Settings of a queue made by `createSecureQueue`. */
export interface SecureQueueProps {
  /** @default QUEUE_RETENTION (14 days) */
  readonly retentionPeriod?: Duration;
  /** @default Duration.seconds(30) */
  readonly visibilityTimeout?: Duration;
  /** @default no dead-letter queue (use it for queues that are themselves dead-letter queues) */
  readonly deadLetterQueue?: sqs.DeadLetterQueue;
  /**
   * A FIFO queue in high-throughput mode (de-duplication and throughput per message group), with
   * de-duplication ids given by the sender, never derived from the body.
   * @default false
   */
  readonly fifo?: boolean;
}

/**
 * A queue with the settings every queue here needs: encryption at rest (SQS-managed keys, which
 * EventBridge and Lambda can use without a key policy) and a policy refusing non-TLS requests.
 */
export function createSecureQueue(scope: Construct, id: string, props: SecureQueueProps = {}): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: props.retentionPeriod ?? QUEUE_RETENTION,
    visibilityTimeout: props.visibilityTimeout ?? Duration.seconds(30),
    ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
    ...(props.fifo
      ? {
          fifo: true,
          contentBasedDeduplication: false,
          deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
          fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
        }
      : {}),
  });
}
