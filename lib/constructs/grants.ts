/**
 * Grants with exactly the actions the service's code calls. aws-cdk-lib's `grant*` helpers add more
 * than that (GetQueueUrl and GetQueueAttributes with every send, DescribeSecret with every read,
 * ChangeMessageVisibility and GetQueueUrl with every SQS event source): unused grants that the IAM
 * simulation (test/functions/deployed-bundles.test.ts) refuses.
 */
import type { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** What Lambda's SQS poller calls with the function's role (AWS's AWSLambdaSQSQueueExecutionRole). */
export const SQS_EVENT_SOURCE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];

/** `sqs:SendMessage` (which also authorises SendMessageBatch) on `queue`. */
export function grantSendMessage(queue: sqs.IQueue, grantee: iam.IGrantable): void {
  iam.Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [queue.queueArn] });
}

/** `secretsmanager:GetSecretValue` on `secret` (nothing reads its metadata). */
export function grantSecretValue(secret: secretsmanager.ISecret, grantee: iam.IGrantable): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: [secret.secretArn],
  });
}

/** Settings of an SQS event source made by `consumeQueue`. */
export interface QueueConsumerProps {
  /** Records per invocation (1-10 without a batching window). */
  readonly batchSize: number;
  /** @default no cap (Lambda scales the pollers up to the account's concurrency) */
  readonly maxConcurrency?: number;
  /** @default none */
  readonly maxBatchingWindow?: Duration;
}

/**
 * An SQS event source of `fn` on `queue` with partial batch failure reporting, and the three actions
 * Lambda's poller needs on the queue, granted to the function's role.
 */
export function consumeQueue(
  fn: lambda.IFunction,
  queue: sqs.IQueue,
  props: QueueConsumerProps,
): lambda.EventSourceMapping {
  const scope = fn as unknown as Construct;
  iam.Grant.addToPrincipal({
    grantee: fn,
    actions: SQS_EVENT_SOURCE_ACTIONS,
    resourceArns: [queue.queueArn],
  });
  const mapping = new lambda.EventSourceMapping(scope, `SqsEventSource${queue.node.addr.slice(0, 8)}`, {
    target: fn,
    eventSourceArn: queue.queueArn,
    batchSize: props.batchSize,
    reportBatchItemFailures: true,
    ...(props.maxConcurrency !== undefined ? { maxConcurrency: props.maxConcurrency } : {}),
    ...(props.maxBatchingWindow ? { maxBatchingWindow: props.maxBatchingWindow } : {}),
  });
  // The mapping is created only once the role may poll, or its first poll fails.
  if (fn.role) mapping.node.addDependency(fn.role);
  return mapping;
}
