import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NOTICE_SOURCE } from '#adapters/eventbridge-notice-publisher';
import { CONFIG_DEFAULTS, type ConfigKey } from '#config';
import { assertAttemptFitsFunction, configSetting } from '../function-environment';
import { DELIVERY_EVENT_SOURCE, FUNCTION_SIZING, VISIBILITY_TIMEOUT_FACTOR } from '../function-sizing';
import { consumeQueue, grantSecretValue, grantSendMessage } from './grants';
import { ServiceFunction } from './service-function';
import { grantTableAccess, TABLE_ACCESS } from './table-access';

/** Settings of the delivery pipeline. */
export interface DeliveryPipelineProps {
  readonly table: dynamodb.ITable;
  readonly deliveryQueue: sqs.IQueue;
  /** The delivery queue's visibility timeout; must be at least six times the delivery function's timeout. */
  readonly deliveryVisibilityTimeout: Duration;
  readonly deadLetterQueue: sqs.IQueue;
  /** Ordered deliveries (FIFO; docs/ordering.md): same visibility timeout as the delivery queue. */
  readonly orderedDeliveryQueue: sqs.IQueue;
  /** Their FIFO dead-letter queue. */
  readonly orderedDeadLetterQueue: sqs.IQueue;
  /** The DLQ's visibility timeout; must be at least six times the DLQ processor's timeout. */
  readonly deadLetterVisibilityTimeout: Duration;
  /** The master-key secret for decrypting webhook credentials and signing secrets. */
  readonly encryptionKeySecret: secretsmanager.ISecret;
  /** The bus `webhook.disabled` is published on. */
  readonly eventBus: events.IEventBus;
  /**
   * Seconds before each retry (RETRY_SCHEDULE); empty for one attempt and no retries. Judged by
   * src/config.ts, as every setting below named after a variable.
   * @default CONFIG_DEFAULTS.RETRY_SCHEDULE
   */
  readonly retrySchedule?: readonly number[];
  /**
   * Timeout of one HTTP attempt (DELIVERY_TIMEOUT_MS); must also be shorter than the function timeout.
   * @default CONFIG_DEFAULTS.DELIVERY_TIMEOUT_MS
   */
  readonly deliveryTimeout?: Duration;
  /**
   * Days a failure log is kept (FAILURE_LOG_TTL_DAYS).
   * @default CONFIG_DEFAULTS.FAILURE_LOG_TTL_DAYS
   */
  readonly failureLogTtlDays?: number;
  /**
   * Days of failing without a success before a webhook is deactivated (AUTO_DISABLE_AFTER_DAYS).
   * @default CONFIG_DEFAULTS.AUTO_DISABLE_AFTER_DAYS
   */
  readonly autoDisableAfterDays?: number;
  /**
   * Reserved concurrency of the delivery function; `null` reserves none. AWS refuses a reservation
   * that leaves the account fewer than 100 unreserved executions, so a new account's first deploy
   * would fail: reserve only on an account with room, to cap the load on shared downstreams.
   * @default null (no reservation)
   */
  readonly reservedConcurrency?: number | null;
  /**
   * Most concurrent delivery invocations the SQS event source starts (2-1000); at most the
   * reserved concurrency, or the surplus invocations are throttled and messages bounce.
   * @default 50
   */
  readonly maxConcurrency?: number;
  /**
   * Deliveries per invocation, all sent at once (1-10, or up to 10,000 with a batching window).
   * @default DELIVERY_EVENT_SOURCE.batchSize (10)
   */
  readonly batchSize?: number;
  /**
   * How long Lambda may wait to fill a batch (whole seconds, 0-300). Each second of window can add that
   * much latency to every delivery while traffic is low; it lets batches exceed 10.
   * @default Duration.seconds(DELIVERY_EVENT_SOURCE.maxBatchingWindowSeconds) (0: none)
   */
  readonly maxBatchingWindow?: Duration;
}

/** Consumers of the delivery queue and its DLQ: the delivery function and the DLQ processor. */
export class DeliveryPipeline extends Construct {
  public readonly delivery: ServiceFunction;
  public readonly deadLetterProcessor: ServiceFunction;

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    const sizing = FUNCTION_SIZING;
    assertVisibilityCovers('delivery queue', props.deliveryVisibilityTimeout, sizing.delivery.timeout);
    assertVisibilityCovers(
      'dead-letter queue',
      props.deadLetterVisibilityTimeout,
      sizing.dlqProcessor.timeout,
    );

    const setting = (prop: string, key: ConfigKey, text: string) =>
      configSetting('DeliveryPipeline', prop, key, text);
    const retrySchedule = setting(
      'retrySchedule',
      'RETRY_SCHEDULE',
      (props.retrySchedule ?? CONFIG_DEFAULTS.RETRY_SCHEDULE).join(','),
    );
    const deliveryTimeoutMs = setting(
      'deliveryTimeout',
      'DELIVERY_TIMEOUT_MS',
      String(props.deliveryTimeout?.toMilliseconds() ?? CONFIG_DEFAULTS.DELIVERY_TIMEOUT_MS),
    );
    assertAttemptFitsFunction('DeliveryPipeline', Number(deliveryTimeoutMs), sizing.delivery.timeout);
    const failureLogTtlDays = setting(
      'failureLogTtlDays',
      'FAILURE_LOG_TTL_DAYS',
      String(props.failureLogTtlDays ?? CONFIG_DEFAULTS.FAILURE_LOG_TTL_DAYS),
    );
    const autoDisableAfterDays = setting(
      'autoDisableAfterDays',
      'AUTO_DISABLE_AFTER_DAYS',
      String(props.autoDisableAfterDays ?? CONFIG_DEFAULTS.AUTO_DISABLE_AFTER_DAYS),
    );
    const reservedConcurrency = props.reservedConcurrency ?? null;
    const maxConcurrency = props.maxConcurrency ?? 50;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000) {
      throw new Error(
        `DeliveryPipeline: maxConcurrency must be an integer from 2 to 1000, got ${maxConcurrency}`,
      );
    }
    if (reservedConcurrency !== null && maxConcurrency > reservedConcurrency) {
      throw new Error(
        `DeliveryPipeline: maxConcurrency (${maxConcurrency}) exceeds reservedConcurrency (${reservedConcurrency})`,
      );
    }
    const batchSize = props.batchSize ?? DELIVERY_EVENT_SOURCE.batchSize;
    const batchingWindowSeconds =
      props.maxBatchingWindow?.toSeconds() ?? DELIVERY_EVENT_SOURCE.maxBatchingWindowSeconds;
    if (
      !Number.isInteger(batchingWindowSeconds) ||
      batchingWindowSeconds < 0 ||
      batchingWindowSeconds > 300
    ) {
      throw new Error(
        `DeliveryPipeline: maxBatchingWindow must be whole seconds from 0 to 300, got ${batchingWindowSeconds}`,
      );
    }
    const largestBatch = batchingWindowSeconds > 0 ? 10_000 : 10;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > largestBatch) {
      throw new Error(
        `DeliveryPipeline: batchSize must be an integer from 1 to ${largestBatch}${batchingWindowSeconds > 0 ? '' : ' without a batching window'}, got ${batchSize}`,
      );
    }

    this.delivery = new ServiceFunction(this, 'Delivery', {
      name: 'delivery',
      ...sizing.delivery,
      ...(reservedConcurrency !== null ? { reservedConcurrentExecutions: reservedConcurrency } : {}),
      environment: {
        TABLE_NAME: props.table.tableName,
        DELIVERY_QUEUE_URL: props.deliveryQueue.queueUrl,
        DELIVERY_DLQ_URL: props.deadLetterQueue.queueUrl,
        ORDERED_DELIVERY_QUEUE_URL: props.orderedDeliveryQueue.queueUrl,
        ORDERED_DELIVERY_DLQ_URL: props.orderedDeadLetterQueue.queueUrl,
        ENCRYPTION_KEY_SECRET_ARN: props.encryptionKeySecret.secretArn,
        EVENT_BUS_NAME: props.eventBus.eventBusName,
        RETRY_SCHEDULE: retrySchedule,
        DELIVERY_TIMEOUT_MS: deliveryTimeoutMs,
        AUTO_DISABLE_AFTER_DAYS: autoDisableAfterDays,
      },
    });
    const delivery = this.delivery.function;
    // Webhooks, the delivery log, health (counters, the failing period) and deactivation of failing webhooks.
    grantTableAccess(props.table, delivery, TABLE_ACCESS.delivery);
    // Retries go back on the delivery queue with a delay; exhausted deliveries go to the DLQ.
    grantSendMessage(props.deliveryQueue, delivery);
    grantSendMessage(props.deadLetterQueue, delivery);
    // Ordered deliveries: an exhausted one goes to the FIFO DLQ; a retry holds its message by
    // visibility (nothing is re-sent to the ordered queue; a released one goes to the delivery queue).
    grantSendMessage(props.orderedDeadLetterQueue, delivery);
    iam.Grant.addToPrincipal({
      grantee: delivery,
      actions: ['sqs:ChangeMessageVisibility'],
      resourceArns: [props.orderedDeliveryQueue.queueArn],
    });
    grantSecretValue(props.encryptionKeySecret, delivery);
    // webhook.disabled, when a failing webhook is deactivated.
    props.eventBus.grantPutEventsTo(delivery);
    // Only the service publishes its notices (docs/contract.md#notices): the platform's rules act on
    // `webhook.disabled`, so a forged one from another principal of the account (whose own policy may
    // allow events:PutEvents on the bus) is refused on the bus itself, as the local ingest refuses it.
    // Written here, beside the one role that publishes them; the bus lives in the stateful stack.
    new events.CfnEventBusPolicy(this, 'OnlyDeliveryPublishesNotices', {
      eventBusName: props.eventBus.eventBusName,
      statementId: 'OnlyTheServicePublishesItsNotices',
      statement: {
        Sid: 'OnlyTheServicePublishesItsNotices',
        Effect: 'Deny',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: props.eventBus.eventBusArn,
        Condition: {
          // Any entry of the call with the service's own source; the delivery role is the exception.
          'ForAnyValue:StringEquals': { 'events:source': NOTICE_SOURCE },
          ArnNotEquals: { 'aws:PrincipalArn': this.delivery.role.roleArn },
        },
      },
    });
    consumeQueue(delivery, props.deliveryQueue, {
      batchSize,
      maxConcurrency,
      ...(batchingWindowSeconds > 0 ? { maxBatchingWindow: Duration.seconds(batchingWindowSeconds) } : {}),
    });
    // FIFO event sources take no batching window and at most 10 records per batch.
    consumeQueue(delivery, props.orderedDeliveryQueue, {
      batchSize: Math.min(batchSize, 10),
      maxConcurrency,
    });

    this.deadLetterProcessor = new ServiceFunction(this, 'DeadLetterProcessor', {
      name: 'dlq-processor',
      ...sizing.dlqProcessor,
      environment: {
        TABLE_NAME: props.table.tableName,
        FAILURE_LOG_TTL_DAYS: failureLogTtlDays,
      },
    });
    const processor = this.deadLetterProcessor.function;
    // It records failure logs and publishes nothing (webhook.disabled comes from delivery), so it
    // holds no events:PutEvents and bundles no EventBridge client.
    grantTableAccess(props.table, processor, TABLE_ACCESS.dlqProcessor);
    consumeQueue(processor, props.deadLetterQueue, { batchSize: Math.min(batchSize, 10) });
    consumeQueue(processor, props.orderedDeadLetterQueue, { batchSize: Math.min(batchSize, 10) });
  }
}

function assertVisibilityCovers(queue: string, visibilityTimeout: Duration, functionTimeout: Duration): void {
  const needed = functionTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR;
  if (visibilityTimeout.toSeconds() < needed) {
    throw new Error(
      `DeliveryPipeline: the ${queue} visibility timeout (${visibilityTimeout.toSeconds()} s) must be at least ` +
        `${VISIBILITY_TIMEOUT_FACTOR} x its consumer's timeout (${needed} s)`,
    );
  }
}
