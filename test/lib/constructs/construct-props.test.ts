/** Bad props fail at synthesis, with a message naming the prop, rather than at deploy time. */
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { AdminApi, type AdminApiProps } from '#lib/constructs/admin-api';
import { Alarms } from '#lib/constructs/alarms';
import { ChatEventBus } from '#lib/constructs/chat-event-bus';
import { DeliveryPipeline, type DeliveryPipelineProps } from '#lib/constructs/delivery-pipeline';
import { DeliveryQueues } from '#lib/constructs/delivery-queues';
import { EncryptionKeySecret } from '#lib/constructs/encryption-key-secret';
import { EventIngest, type EventIngestProps } from '#lib/constructs/event-ingest';
import { WebhookStore } from '#lib/constructs/webhook-store';
import { DELIVERY_EVENT_SOURCE } from '#lib/function-sizing';
import { appWithoutBundling } from '../cdk-fixtures';

function stateful() {
  const stack = new Stack(appWithoutBundling(), 'Test');
  const queues = new DeliveryQueues(stack, 'Queues');
  const bus = new ChatEventBus(stack, 'Bus');
  return {
    stack,
    table: new WebhookStore(stack, 'Store').table,
    secret: new EncryptionKeySecret(stack, 'Key').secret,
    queues,
    bus,
  };
}

function pipelineProps(overrides: Partial<DeliveryPipelineProps> = {}): [Stack, DeliveryPipelineProps] {
  const { stack, table, secret, queues, bus } = stateful();
  return [
    stack,
    {
      table,
      deliveryQueue: queues.deliveryQueue,
      orderedDeliveryQueue: queues.orderedDeliveryQueue,
      deliveryVisibilityTimeout: queues.deliveryVisibilityTimeout,
      deadLetterQueue: queues.deadLetterQueue,
      orderedDeadLetterQueue: queues.orderedDeadLetterQueue,
      deadLetterVisibilityTimeout: queues.deadLetterVisibilityTimeout,
      encryptionKeySecret: secret,
      eventBus: bus.eventBus,
      ...overrides,
    },
  ];
}

describe('DeliveryPipeline props', () => {
  it('accepts the visibility timeouts DeliveryQueues computes', () => {
    const [stack, props] = pipelineProps();
    expect(() => new DeliveryPipeline(stack, 'Pipeline', props)).not.toThrow();
  });

  // src/config.ts reads RETRY_SCHEDULE= as one attempt and no retries; the stack used to refuse it.
  it('accepts an empty retry schedule and writes it as the empty RETRY_SCHEDULE config.ts reads', () => {
    const [stack, props] = pipelineProps({ retrySchedule: [] });
    new DeliveryPipeline(stack, 'Pipeline', props);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ RETRY_SCHEDULE: '' }) },
    });
  });

  it.each([
    [
      'a delivery visibility timeout under 6x the function timeout',
      { deliveryVisibilityTimeout: Duration.seconds(60) },
      /visibility timeout.*6 x/,
    ],
    [
      'a DLQ visibility timeout under 6x the processor timeout',
      { deadLetterVisibilityTimeout: Duration.seconds(30) },
      /dead-letter queue visibility/,
    ],
    [
      'maxConcurrency above the reserved concurrency',
      { reservedConcurrency: 10, maxConcurrency: 20 },
      /maxConcurrency/,
    ],
    ['maxConcurrency 1', { maxConcurrency: 1 }, /maxConcurrency/],
    [
      'a delivery timeout as long as the function timeout',
      { deliveryTimeout: Duration.seconds(60) },
      /deliveryTimeout/,
    ],
    ['a fractional retry delay', { retrySchedule: [1.5] }, /retrySchedule/],
    ['batchSize 11', { batchSize: 11 }, /batchSize/],
    ['batchSize 11 without a batching window', { batchSize: 11 }, /without a batching window/],
    ['a batching window over 300 s', { maxBatchingWindow: Duration.seconds(301) }, /maxBatchingWindow/],
    [
      'batchSize 10,001 with a window',
      { batchSize: 10_001, maxBatchingWindow: Duration.seconds(1) },
      /batchSize must be an integer from 1 to 10000/,
    ],
  ])('refuses %s', (_case, overrides, message) => {
    const [stack, props] = pipelineProps(overrides as Partial<DeliveryPipelineProps>);
    expect(() => new DeliveryPipeline(stack, 'Pipeline', props)).toThrow(message);
  });
});

describe('DeliveryPipeline event source', () => {
  const mappings = (overrides: Partial<DeliveryPipelineProps>) => {
    const [stack, props] = pipelineProps(overrides);
    new DeliveryPipeline(stack, 'Pipeline', props);
    return Object.values(Template.fromStack(stack).findResources('AWS::Lambda::EventSourceMapping')).map(
      (resource) => resource.Properties as { BatchSize: number; MaximumBatchingWindowInSeconds?: number },
    );
  };

  it('uses the measured defaults: batches of 10 and no batching window (no added latency)', () => {
    expect(DELIVERY_EVENT_SOURCE).toEqual({ batchSize: 10, maxBatchingWindowSeconds: 0 });
    for (const mapping of mappings({})) {
      expect(mapping.BatchSize).toBe(10);
      expect(mapping.MaximumBatchingWindowInSeconds).toBeUndefined();
    }
  });

  it('takes larger batches with a batching window, and keeps the DLQ processor at 10', () => {
    const sizes = mappings({ batchSize: 100, maxBatchingWindow: Duration.seconds(1) });
    expect(sizes).toContainEqual(
      expect.objectContaining({ BatchSize: 100, MaximumBatchingWindowInSeconds: 1 }),
    );
    expect(sizes).toContainEqual(expect.objectContaining({ BatchSize: 10 }));
  });
});

describe('DeliveryQueues props', () => {
  it('refuses a consumer timeout whose 6x visibility would pass the SQS 12-hour maximum', () => {
    const stack = new Stack(appWithoutBundling(), 'Test');
    expect(() => new DeliveryQueues(stack, 'Queues', { deliveryFunctionTimeout: Duration.hours(3) })).toThrow(
      /12 hours/,
    );
  });

  it('exposes visibility timeouts of six times the consumer timeouts', () => {
    const stack = new Stack(appWithoutBundling(), 'Test');
    const queues = new DeliveryQueues(stack, 'Queues', { deliveryFunctionTimeout: Duration.seconds(100) });
    expect(queues.deliveryVisibilityTimeout.toSeconds()).toBe(600);
    expect(queues.deadLetterVisibilityTimeout.toSeconds()).toBe(180);
  });
});

describe('EventIngest props', () => {
  function ingestProps(overrides: Partial<EventIngestProps>): [Stack, EventIngestProps] {
    const { stack, table, queues, bus } = stateful();
    return [
      stack,
      {
        eventBus: bus.eventBus,
        fanOutDeadLetterQueue: bus.fanOutDeadLetterQueue,
        table,
        deliveryQueue: queues.deliveryQueue,
        orderedDeliveryQueue: queues.orderedDeliveryQueue,
        ...overrides,
      },
    ];
  }

  it.each([
    ['no event types', { eventTypes: [] }, /eventTypes/],
    ['186 retry attempts', { retryAttempts: 186 }, /retryAttempts/],
    ['a max event age over 24 hours', { maxEventAge: Duration.hours(25) }, /maxEventAge/],
    ['a zero reserved concurrency', { reservedConcurrency: 0 }, /reservedConcurrentExecutions/],
  ])('refuses %s', (_case, overrides, message) => {
    const [stack, props] = ingestProps(overrides as Partial<EventIngestProps>);
    expect(() => new EventIngest(stack, 'Ingest', props)).toThrow(message);
  });
});

describe('AdminApi props', () => {
  function apiProps(overrides: Partial<AdminApiProps>): [Stack, AdminApiProps] {
    const { stack, table, queues, secret } = stateful();
    return [
      stack,
      {
        jwtIssuer: 'https://issuer.example.com/',
        jwtAudience: ['admin'],
        table,
        deliveryQueue: queues.deliveryQueue,
        orderedDeliveryQueue: queues.orderedDeliveryQueue,
        encryptionKeySecret: secret,
        ...overrides,
      },
    ];
  }

  it.each([
    ['an http issuer', { jwtIssuer: 'http://issuer.example.com/' }, /jwtIssuer/],
    ['an empty issuer', { jwtIssuer: '' }, /jwtIssuer/],
    ['no audience', { jwtAudience: [] }, /jwtAudience/],
    ['a blank audience', { jwtAudience: [' '] }, /jwtAudience/],
    ['an empty tenant claim', { tenantClaim: '' }, /tenantClaim/],
    ['a zero rate limit', { throttlingRateLimit: 0 }, /throttling/],
  ])('refuses %s', (_case, overrides, message) => {
    const [stack, props] = apiProps(overrides);
    expect(() => new AdminApi(stack, 'Api', props)).toThrow(message);
  });
});

describe('other construct props', () => {
  it('refuses an invalid table name and a short key secret', () => {
    const stack = new Stack(appWithoutBundling(), 'Test');
    expect(() => new WebhookStore(stack, 'Store', { tableName: 'ab' })).toThrow(/tableName/);
    expect(() => new EncryptionKeySecret(stack, 'Key', { length: 16 })).toThrow(/length/);
  });

  it('refuses an alarm email that is not an address and an empty function list', () => {
    const { stack, queues, bus } = stateful();
    const base = {
      deliveryQueue: queues.deliveryQueue,
      deliveryDeadLetterQueue: queues.deadLetterQueue,
      fanOutDeadLetterQueue: bus.fanOutDeadLetterQueue,
    };
    expect(() => new Alarms(stack, 'Alarms', { ...base, functions: {} })).toThrow(/functions/);
    expect(
      () =>
        new Alarms(stack, 'Alarms2', { ...base, functions: { X: {} as never }, alarmEmail: 'not-an-email' }),
    ).toThrow(/alarmEmail/);
  });
});
