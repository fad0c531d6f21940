/**
 * The catalogue of every port and setting a use case may use. No use case takes all of it: each
 * declares the members it uses as `Pick<Services, …>`, so each Lambda function builds (and bundles,
 * and is granted) only what its entry point declares (functions/commons/*-services.ts), while the
 * local runtime builds the whole catalogue once (src/composition.ts). Settings come as domain
 * policies built once from the configuration (src/composition/settings.ts); no use case reads the
 * environment's variable names.
 */
import type { DeliveryAdmission } from '#domain/delivery-admission';
import type { DeliveryLogPolicy } from '#domain/delivery-log';
import type { DeliveryPolicy } from '#domain/delivery-policy';
import type { DeliveryCredentials } from '#domain/delivery-request';
import type { DeliverySender } from '#domain/delivery-sender';
import type { DestinationOptions } from '#domain/destination-policy';
import type {
  DeliveryLogRepository,
  DeliveryQueue,
  EventIdRegistry,
  FailureLogRepository,
  HostResolver,
  MessageAcknowledger,
  NoticePublisher,
  OrderedProgressStore,
  RandomSource,
  RejectedEventRepository,
  SecretCipher,
  TimerClock,
  WebhookHealthRepository,
  WebhookRepository,
} from '#domain/ports';
import type { FailureRetention } from '#domain/retention';
import type { TenantLimits } from '#domain/tenant-limits';
import type { LookupCache } from './lookup-cache';
import type { SettlementLanes } from './settlement-lanes';

export interface Services {
  /** How deliveries are packed, attempted, retried, admitted and given up on (docs/contract.md#deliveries, #isolation). */
  deliveryPolicy: DeliveryPolicy;
  /** What the delivery log records, and for how long (docs/contract.md#delivery-log). */
  deliveryLogPolicy: DeliveryLogPolicy;
  /** How long failure logs and rejected events are kept (docs/contract.md#deliveries, #aws-stack). */
  failureRetention: FailureRetention;
  /** Which destinations a webhook may name (docs/contract.md#admin-api, #security). */
  destinationPolicy: DestinationOptions;
  /** Webhooks per tenant and on-demand send rates; DEFAULT_TENANT_LIMITS when absent. */
  limits?: TenantLimits;
  webhooks: WebhookRepository;
  failureLogs: FailureLogRepository;
  rejectedEvents: RejectedEventRepository;
  /** Event ids taken per tenant (docs/contract.md#event-ids): fan-out claims each event's id before delivering it. */
  eventIds: EventIdRegistry;
  deliveryLog: DeliveryLogRepository;
  webhookHealth: WebhookHealthRepository;
  deliveryQueue: DeliveryQueue;
  /** What ordered deliveries held in their queue have done so far (docs/ordering.md). */
  orderedProgress: OrderedProgressStore;
  /** Deletes settled delivery messages before their batch ends; absent where nothing consumes the queue. */
  acknowledger?: MessageAcknowledger;
  cipher: SecretCipher;
  notices: NoticePublisher;
  sender: DeliverySender;
  /** Slots and circuit breakers per webhook (docs/contract.md#isolation); one per process, built by the composition root. */
  admission: DeliveryAdmission;
  /**
   * Bounds the store work after failed attempts per tenant and in all (src/app/settlement-lanes.ts);
   * one per process, built by the composition root. Absent: unbounded (tests of other concerns).
   */
  settlementLanes?: SettlementLanes;
  /** Decrypted credentials by webhook version; one per process, built by the composition root. */
  credentialCache: LookupCache<DeliveryCredentials>;
  resolver: HostResolver;
  /** The time, and timers for in-memory waits (the slot pools). */
  clock: TimerClock;
  /** The random port: uniform numbers in [0, 1) for jitter (src/adapters/system-random.ts; tests inject a seeded one). */
  random: RandomSource;
  /** Makes a new unique id with a prefix, time-sortable (ULID based): `wh_…`, `evt_…`, `fl_…`. */
  newId(prefix: string): string;
}
