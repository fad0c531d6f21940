/**
 * Config and stack agree on what is valid: for every construct prop that becomes a configuration
 * variable, the stack accepts a value exactly when src/config.ts reads the text the stack would
 * write as that value (plus the one rule only the stack can judge: an attempt ends before its
 * function's timeout), and what it writes reads back as the value given. Before, an empty retry
 * schedule, a delay of 1e21 s, an infinite TTL, an admin-API attempt timeout under 100 ms and bus or
 * table names AWS refuses each passed one side and failed the other.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnEventBus } from 'aws-cdk-lib/aws-events';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConfigKey, loadConfig } from '#config';
import { AdminApi, type AdminApiProps } from '#lib/constructs/admin-api';
import { ChatEventBus } from '#lib/constructs/chat-event-bus';
import { DeliveryPipeline, type DeliveryPipelineProps } from '#lib/constructs/delivery-pipeline';
import { DeliveryQueues } from '#lib/constructs/delivery-queues';
import { EncryptionKeySecret } from '#lib/constructs/encryption-key-secret';
import { EventIngest, type EventIngestProps } from '#lib/constructs/event-ingest';
import type { ServiceFunction } from '#lib/constructs/service-function';
import { WebhookStore } from '#lib/constructs/webhook-store';
import { FUNCTION_SIZING } from '#lib/function-sizing';
import { appWithoutBundling } from './cdk-fixtures';

function stateful() {
  const stack = new Stack(appWithoutBundling(), 'Test');
  const queues = new DeliveryQueues(stack, 'Queues');
  const bus = new ChatEventBus(stack, 'Bus');
  const table = new WebhookStore(stack, 'Store').table;
  const secret = new EncryptionKeySecret(stack, 'Key').secret;
  return { stack, queues, bus, table, secret };
}

/** A literal variable of a function's synthesised environment. */
function environmentOf(service: ServiceFunction, key: ConfigKey): unknown {
  const cfn = service.function.node.defaultChild as CfnFunction;
  const environment = Stack.of(service).resolve(cfn.environment) as { variables: Record<string, unknown> };
  return environment.variables[key];
}

function pipeline(overrides: Partial<DeliveryPipelineProps>) {
  const { stack, queues, bus, table, secret } = stateful();
  return new DeliveryPipeline(stack, 'Pipeline', {
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
  });
}

function adminApi(overrides: Partial<AdminApiProps>) {
  const { stack, queues, table, secret } = stateful();
  return new AdminApi(stack, 'Api', {
    jwtIssuer: 'https://issuer.example.com/',
    jwtAudience: ['admin'],
    table,
    deliveryQueue: queues.deliveryQueue,
    orderedDeliveryQueue: queues.orderedDeliveryQueue,
    encryptionKeySecret: secret,
    ...overrides,
  });
}

function eventIngest(overrides: Partial<EventIngestProps>) {
  const { stack, queues, bus, table } = stateful();
  return new EventIngest(stack, 'Ingest', {
    eventBus: bus.eventBus,
    fanOutDeadLetterQueue: bus.fanOutDeadLetterQueue,
    table,
    deliveryQueue: queues.deliveryQueue,
    orderedDeliveryQueue: queues.orderedDeliveryQueue,
    ...overrides,
  });
}

/** One construct prop that the stack turns into configuration variable `key`. */
interface Setting<V> {
  readonly name: string;
  readonly key: ConfigKey;
  readonly values: fc.Arbitrary<V>;
  /** The text the stack writes for `value`. */
  readonly text: (value: V) => string;
  /** What config.ts should read that text as. */
  readonly meant: (value: V) => unknown;
  /** Builds the construct with `value`; returns what it wrote for `key`. Throws when it refuses. */
  readonly synthesize: (value: V) => unknown;
  /** A rule only the stack can judge. */
  readonly stackOnly?: (value: V) => boolean;
}

const setting = <V>(value: Setting<V>): Setting<unknown> => value as Setting<unknown>;

/** Numbers including the ones a hand-written check tends to miss (NaN, infinities, tiny, huge). */
const anyNumber = fc.oneof(
  fc.integer({ min: -10, max: 1000 }),
  fc.double().filter((value) => !Object.is(value, -0)),
  fc.constantFrom(0, 0.5, 1e-7, 1e21, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);
const retryDelay = fc.oneof(fc.nat(100_000), anyNumber);
const timeoutMs = fc.oneof(
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.constantFrom(0, 99, 100, 14_999, 15_000, 59_999, 60_000, 900_000, 900_001),
);
const someText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', ' ', 'org', ' org ', 'default', 'ab', 'a/b', 'x'.repeat(255), 'x'.repeat(257)),
  fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/),
);

const days = (name: string, key: ConfigKey, build: (value: number) => unknown) =>
  setting<number>({
    name,
    key,
    values: anyNumber,
    text: String,
    meant: (value) => value,
    synthesize: build,
  });

const SETTINGS: Setting<unknown>[] = [
  setting<number[]>({
    name: 'DeliveryPipeline retrySchedule',
    key: 'RETRY_SCHEDULE',
    values: fc.array(retryDelay, { maxLength: 8 }),
    text: (value) => value.join(','),
    meant: (value) => value,
    synthesize: (value) => environmentOf(pipeline({ retrySchedule: value }).delivery, 'RETRY_SCHEDULE'),
  }),
  setting<number>({
    name: 'DeliveryPipeline deliveryTimeout',
    key: 'DELIVERY_TIMEOUT_MS',
    values: timeoutMs,
    text: String,
    meant: (value) => value,
    synthesize: (value) =>
      environmentOf(pipeline({ deliveryTimeout: Duration.millis(value) }).delivery, 'DELIVERY_TIMEOUT_MS'),
    stackOnly: (value) => value < FUNCTION_SIZING.delivery.timeout.toMilliseconds(),
  }),
  setting<number>({
    name: 'AdminApi deliveryTimeout',
    key: 'DELIVERY_TIMEOUT_MS',
    values: timeoutMs,
    text: String,
    meant: (value) => value,
    synthesize: (value) =>
      environmentOf(adminApi({ deliveryTimeout: Duration.millis(value) }).api, 'DELIVERY_TIMEOUT_MS'),
    stackOnly: (value) => value < FUNCTION_SIZING.api.timeout.toMilliseconds(),
  }),
  days('DeliveryPipeline failureLogTtlDays', 'FAILURE_LOG_TTL_DAYS', (value) =>
    environmentOf(pipeline({ failureLogTtlDays: value }).deadLetterProcessor, 'FAILURE_LOG_TTL_DAYS'),
  ),
  days('DeliveryPipeline autoDisableAfterDays', 'AUTO_DISABLE_AFTER_DAYS', (value) =>
    environmentOf(pipeline({ autoDisableAfterDays: value }).delivery, 'AUTO_DISABLE_AFTER_DAYS'),
  ),
  days('EventIngest rejectedEventTtlDays', 'REJECTED_EVENT_TTL_DAYS', (value) =>
    environmentOf(eventIngest({ rejectedEventTtlDays: value }).fanOut, 'REJECTED_EVENT_TTL_DAYS'),
  ),
  setting<string>({
    name: 'AdminApi tenantClaim',
    key: 'TENANT_CLAIM',
    values: someText,
    text: (value) => value,
    meant: (value) => value,
    synthesize: (value) => environmentOf(adminApi({ tenantClaim: value }).api, 'TENANT_CLAIM'),
  }),
  setting<string>({
    name: 'ChatEventBus eventBusName',
    key: 'EVENT_BUS_NAME',
    values: someText,
    text: (value) => value,
    meant: (value) => value,
    synthesize: (value) => {
      const bus = new ChatEventBus(new Stack(appWithoutBundling(), 'Test'), 'Bus', { eventBusName: value });
      return (bus.eventBus.node.defaultChild as CfnEventBus).name;
    },
  }),
  setting<string>({
    name: 'WebhookStore tableName',
    key: 'TABLE_NAME',
    values: someText,
    text: (value) => value,
    meant: (value) => value,
    synthesize: (value) => {
      const store = new WebhookStore(new Stack(appWithoutBundling(), 'Test'), 'Store', { tableName: value });
      return (store.table.node.defaultChild as CfnTable).tableName;
    },
  }),
];

/**
 * Does config.ts read `text` as a value of `key`? A blank text is not a value: config reads it as
 * "not set" (the default), so a stack given one would deploy a setting nobody asked for.
 */
function configReads(key: ConfigKey, text: string): boolean {
  if (text.trim() === '' && key !== 'RETRY_SCHEDULE') return false;
  try {
    loadConfig({ [key]: text });
    return true;
  } catch {
    return false;
  }
}

describe('config and stack agree on what is valid', () => {
  it.each(SETTINGS.map((each) => [each.name, each] as const))(
    '%s: the stack accepts a value exactly when config.ts reads it, and writes what config reads back',
    (_name, each) => {
      fc.assert(
        fc.property(each.values, (value) => {
          const text = each.text(value);
          const expected = configReads(each.key, text) && (each.stackOnly?.(value) ?? true);
          let written: unknown;
          let refusal: unknown;
          try {
            written = each.synthesize(value);
          } catch (error) {
            refusal = error;
          }
          expect(refusal === undefined, `stack ${refusal ? 'refused' : 'accepted'} ${text}`).toBe(expected);
          if (refusal !== undefined) {
            // A refusal names the prop and the variable, so a deployer knows what to change.
            expect(String(refusal)).toMatch(new RegExp(`${each.name.split(' ')[1]}|${each.key}`));
            return;
          }
          expect(written).toBe(text);
          expect(loadConfig({ [each.key]: written as string })[each.key]).toEqual(each.meant(value));
        }),
        { numRuns: 40 },
      );
    },
  );

  // The disagreements found by issue 15, each pinned: the config's verdict is now the stack's too.
  it.each([
    ['an empty retry schedule (one attempt, no retries)', () => pipeline({ retrySchedule: [] }), true],
    ['a retry delay of 1e21 s (written as 1e+21)', () => pipeline({ retrySchedule: [1e21] }), false],
    ['an infinite failure log TTL', () => pipeline({ failureLogTtlDays: Infinity }), false],
    ['an infinite rejected-event TTL', () => eventIngest({ rejectedEventTtlDays: Infinity }), false],
    [
      'an admin-API attempt timeout of 50 ms',
      () => adminApi({ deliveryTimeout: Duration.millis(50) }),
      false,
    ],
  ])('judges %s as config.ts does', (_case, build, accepted) => {
    if (accepted) expect(build).not.toThrow();
    else expect(build).toThrow();
  });
});
