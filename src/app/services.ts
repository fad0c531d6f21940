/**
 * Everything a handler needs, built once per process by the composition root
 * (src/composition.ts on AWS and locally alike) and passed to the use cases.
 */
import type { Config } from '#config';
import type { DeliveryAdmission } from '#domain/delivery-admission';
import type { DeliveryCredentials } from '#domain/delivery-request';
import type { DeliverySender } from '#domain/delivery-sender';
import type {
  Clock,
  DeliveryLogRepository,
  DeliveryQueue,
  FailureLogRepository,
  HostResolver,
  NoticePublisher,
  RejectedEventRepository,
  SecretCipher,
  WebhookHealthRepository,
  WebhookRepository,
} from '#domain/ports';
import type { LookupCache } from './lookup-cache';

export interface Services {
  config: Config;
  webhooks: WebhookRepository;
  failureLogs: FailureLogRepository;
  rejectedEvents: RejectedEventRepository;
  deliveryLog: DeliveryLogRepository;
  webhookHealth: WebhookHealthRepository;
  deliveryQueue: DeliveryQueue;
  cipher: SecretCipher;
  notices: NoticePublisher;
  sender: DeliverySender;
  /** Slots and circuit breakers per webhook (SPEC 6.2); one per process, built by the composition root. */
  admission: DeliveryAdmission;
  /** Decrypted credentials by webhook version; one per process, built by the composition root. */
  credentialCache: LookupCache<DeliveryCredentials>;
  resolver: HostResolver;
  clock: Clock;
  /** Uniform numbers in [0, 1) for retry jitter; Math.random when absent (tests inject a seeded one). */
  random?: () => number;
  /** Makes a new unique id with a prefix, time-sortable (ULID based): `wh_…`, `evt_…`, `fl_…`. */
  newId(prefix: string): string;
}
