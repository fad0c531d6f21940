import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONFIG_DEFAULTS } from '#config';
import { chatEventRules } from '#domain/chat-event-rules';
import { EVENT_TYPES } from '#domain/event-catalogue';
import { eventPatternOf } from '../event-patterns';
import { configSetting } from '../function-environment';
import { FUNCTION_SIZING } from '../function-sizing';
import { consumeQueue, grantSendMessage } from './grants';
import { ServiceFunction } from './service-function';
import { grantTableAccess, TABLE_ACCESS } from './table-access';

/** Settings of the event ingest (rule and fan-out function). */
export interface EventIngestProps {
  /** The bus the chat platform publishes to. */
  readonly eventBus: events.IEventBus;
  /** Where the rule puts events it could not hand to the fan-out function. */
  readonly fanOutDeadLetterQueue: sqs.IQueue;
  readonly table: dynamodb.ITable;
  readonly deliveryQueue: sqs.IQueue;
  /** The FIFO queue of ordered deliveries (docs/ordering.md). */
  readonly orderedDeliveryQueue: sqs.IQueue;
  /**
   * Detail-types the rule forwards.
   * @default EVENT_TYPES (the catalogue)
   */
  readonly eventTypes?: readonly string[];
  /**
   * EventBridge retries of a failed fan-out invocation (0-185).
   * @default 8
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps retrying one event (1 minute to 24 hours).
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;
  /**
   * Reserved concurrency of the fan-out function; `null` reserves none (small accounts cannot
   * reserve without dropping their unreserved pool below the minimum of 100).
   * @default null (no reservation)
   */
  readonly reservedConcurrency?: number | null;
  /**
   * Days a rejected event stays listable (REJECTED_EVENT_TTL_DAYS); judged by src/config.ts.
   * @default CONFIG_DEFAULTS.REJECTED_EVENT_TTL_DAYS
   */
  readonly rejectedEventTtlDays?: number;
}

/** The rule from the chat bus to the fan-out function, with its retry policy and dead-letter queue. */
export class EventIngest extends Construct {
  public readonly fanOut: ServiceFunction;
  public readonly rule: events.Rule;
  /**
   * Chat events whose detail-type is not in the catalogue, to the same function, which records
   * each as a rejected event (unknown event type): a typo on the platform's side shows up in
   * `GET /v1/rejected-events` instead of matching nothing and vanishing.
   */
  public readonly unknownTypeRule: events.Rule;
  /**
   * Consumes the fan-out DLQ: each chat event that exhausted the rule's retries is recorded as a
   * rejected event (reason fan_out_failed), to be replayed from the bus archive.
   */
  public readonly deadLetterProcessor: ServiceFunction;

  constructor(scope: Construct, id: string, props: EventIngestProps) {
    super(scope, id);
    const eventTypes = props.eventTypes ?? EVENT_TYPES;
    if (eventTypes.length === 0)
      throw new Error('EventIngest: eventTypes must name at least one detail-type');
    const retryAttempts = props.retryAttempts ?? 8;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185) {
      throw new Error(`EventIngest: retryAttempts must be an integer from 0 to 185, got ${retryAttempts}`);
    }
    const maxEventAge = props.maxEventAge ?? Duration.hours(24);
    if (maxEventAge.toSeconds() < 60 || maxEventAge.toSeconds() > 86_400) {
      throw new Error('EventIngest: maxEventAge must be from 1 minute to 24 hours');
    }
    const rejectedEventTtlDays = configSetting(
      'EventIngest',
      'rejectedEventTtlDays',
      'REJECTED_EVENT_TTL_DAYS',
      String(props.rejectedEventTtlDays ?? CONFIG_DEFAULTS.REJECTED_EVENT_TTL_DAYS),
    );
    const reservedConcurrency = props.reservedConcurrency ?? null;
    // The local bus routes by the same rules (src/local/local-bus.ts).
    const rules = chatEventRules(eventTypes);

    this.fanOut = new ServiceFunction(this, 'FanOut', {
      name: 'fan-out',
      ...FUNCTION_SIZING.fanOut,
      ...(reservedConcurrency !== null ? { reservedConcurrentExecutions: reservedConcurrency } : {}),
      environment: {
        TABLE_NAME: props.table.tableName,
        DELIVERY_QUEUE_URL: props.deliveryQueue.queueUrl,
        ORDERED_DELIVERY_QUEUE_URL: props.orderedDeliveryQueue.queueUrl,
        REJECTED_EVENT_TTL_DAYS: rejectedEventTtlDays,
      },
    });
    // Rejected events are stored in the table, so fan-out writes as well as reads.
    grantTableAccess(props.table, this.fanOut.function, TABLE_ACCESS.fanOut);
    grantSendMessage(props.deliveryQueue, this.fanOut.function);
    grantSendMessage(props.orderedDeliveryQueue, this.fanOut.function);

    this.rule = new events.Rule(this, 'ChatEventsToFanOut', {
      eventBus: props.eventBus,
      description: 'Chat platform events of the catalogue, to the webhook fan-out',
      eventPattern: eventPatternOf(rules.catalogue),
    });
    // An imported reference: the queue's policy is written by ChatEventBus in the stateful stack,
    // so this rule adds no statement there and the stacks keep a one-way dependency.
    const deadLetterQueue = sqs.Queue.fromQueueAttributes(this, 'FanOutDeadLetterQueue', {
      queueArn: props.fanOutDeadLetterQueue.queueArn,
      queueUrl: props.fanOutDeadLetterQueue.queueUrl,
    });
    this.unknownTypeRule = new events.Rule(this, 'UnknownChatEventsToFanOut', {
      eventBus: props.eventBus,
      description: 'Chat platform events of a detail-type outside the catalogue, recorded as rejected',
      eventPattern: eventPatternOf(rules.unknownType),
    });
    for (const rule of [this.rule, this.unknownTypeRule]) {
      rule.addTarget(
        new targets.LambdaFunction(this.fanOut.function, { retryAttempts, maxEventAge, deadLetterQueue }),
      );
    }

    this.deadLetterProcessor = new ServiceFunction(this, 'FanOutDeadLetterProcessor', {
      name: 'fan-out-dlq-processor',
      ...FUNCTION_SIZING.fanOutDlqProcessor,
      environment: {
        TABLE_NAME: props.table.tableName,
        REJECTED_EVENT_TTL_DAYS: rejectedEventTtlDays,
      },
    });
    grantTableAccess(props.table, this.deadLetterProcessor.function, TABLE_ACCESS.fanOutDlqProcessor);
    // The imported reference again: the consume grant goes on the function's role, not the queue policy.
    consumeQueue(this.deadLetterProcessor.function, deadLetterQueue, { batchSize: 10 });
  }
}
