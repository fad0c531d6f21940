/**
 * Everything a handler needs, built once per process by the composition root
 * (src/composition.ts on AWS and locally alike) and passed to the use cases.
 */
import type { Config } from '#config';
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
  resolver: HostResolver;
  clock: Clock;
  /** Makes a new unique id with a prefix, time-sortable (ULID based): `wh_…`, `evt_…`, `fl_…`. */
  newId(prefix: string): string;
}
