/**
 * The composition root: wires the one real adapter of each port to the domain. Lambda handlers
 * call it with the environment's config; the local runtime calls it with local endpoints and a
 * key file. There is no other wiring, so both runtimes run the same code.
 */

import { ulid } from 'ulid';
import type { AdminApiDependencies } from '#app/admin-api';
import type { Config } from '#config';
import { CursorCodec } from '#domain/cursor';
import type { HostResolver } from '#domain/ports';
import { systemClock } from '#domain/ports';
import { AesGcmSecretCipher } from './adapters/aes-gcm-cipher';
import {
  type AwsClientOptions,
  type AwsRequestCounter,
  createDocumentClient,
  createEventBridgeClient,
  createSecretsManagerClient,
  createSqsClient,
} from './adapters/aws-clients';
import { DynamoFailureLogRepository } from './adapters/dynamodb/failure-log-repository';
import { DynamoRejectedEventRepository } from './adapters/dynamodb/rejected-event-repository';
import { DynamoWebhookRepository } from './adapters/dynamodb/webhook-repository';
import { deriveKey, type MasterKeySource, SecretsManagerKeySource } from './adapters/encryption-key';
import { EventBridgeNoticePublisher } from './adapters/eventbridge-notice-publisher';
import { systemHostResolver } from './adapters/host-resolver';
import { createHttpSender } from './adapters/http-sender';
import { SqsDeliveryQueue } from './adapters/sqs-delivery-queue';

/** Where the AWS clients point and what else a runtime overrides. */
export interface CompositionOptions {
  /** Per-service endpoints (local emulators); absent on AWS. */
  endpoints?: { dynamodb?: string; sqs?: string; eventbridge?: string };
  /** Credentials/region for local endpoints; on AWS the default provider chain is used. */
  aws?: Pick<AwsClientOptions, 'credentials' | 'region'>;
  /** Counts AWS API calls at the SDK boundary (the benchmark reads it). */
  counter?: AwsRequestCounter;
  /** The master key; defaults to the Secrets Manager secret named by ENCRYPTION_KEY_SECRET_ARN. */
  keySource?: MasterKeySource;
  resolver?: HostResolver;
  /** Extra trusted CA certificates for outbound TLS (tests with a self-signed receiver). */
  tlsCa?: string | Buffer;
}

/** Everything the handlers need, plus a way to release sockets at shutdown. */
export interface Composition extends AdminApiDependencies {
  close(): Promise<void>;
}

/** Builds the services for one process. */
export function createServices(config: Config, options: CompositionOptions = {}): Composition {
  const clientOptions = (endpoint: string | undefined): AwsClientOptions => ({
    ...options.aws,
    ...(endpoint ? { endpoint } : {}),
    ...(options.counter ? { counter: options.counter } : {}),
  });
  const documentClient = createDocumentClient(clientOptions(options.endpoints?.dynamodb));
  const sqsClient = createSqsClient(clientOptions(options.endpoints?.sqs));
  const keySource = options.keySource ?? secretsManagerKeySource(config, clientOptions(undefined));
  const resolver = options.resolver ?? systemHostResolver;
  const sender = createHttpSender({
    resolver,
    allowInsecureLocalhost: config.ALLOW_INSECURE_LOCALHOST,
    maxConcurrencyPerEndpoint: config.MAX_CONCURRENCY_PER_ENDPOINT,
    ...(options.tlsCa ? { tls: { ca: options.tlsCa } } : {}),
  });
  let cursorKey: Promise<Buffer> | undefined;
  return {
    config,
    webhooks: new DynamoWebhookRepository(documentClient, config.TABLE_NAME),
    failureLogs: new DynamoFailureLogRepository(documentClient, config.TABLE_NAME),
    rejectedEvents: new DynamoRejectedEventRepository(documentClient, config.TABLE_NAME),
    deliveryQueue: new SqsDeliveryQueue({
      client: sqsClient,
      queueUrl: required(config.DELIVERY_QUEUE_URL, 'DELIVERY_QUEUE_URL'),
      deadLetterQueueUrl: required(config.DELIVERY_DLQ_URL, 'DELIVERY_DLQ_URL'),
    }),
    cipher: new AesGcmSecretCipher(keySource),
    notices: new EventBridgeNoticePublisher({
      client: createEventBridgeClient(clientOptions(options.endpoints?.eventbridge)),
      eventBusName: config.EVENT_BUS_NAME,
    }),
    sender,
    resolver,
    clock: systemClock,
    newId: (prefix) => `${prefix}_${ulid()}`,
    cursors: new CursorCodec(() => {
      cursorKey ??= keySource.getMasterKey().then((master) => deriveKey(master, 'cursors'));
      return cursorKey;
    }),
    close: () => sender.close(),
  };
}

function secretsManagerKeySource(config: Config, clientOptions: AwsClientOptions): MasterKeySource {
  const secretArn = required(config.ENCRYPTION_KEY_SECRET_ARN, 'ENCRYPTION_KEY_SECRET_ARN');
  return new SecretsManagerKeySource(
    createSecretsManagerClient(clientOptions),
    secretArn,
    config.SECRET_CACHE_TTL_MS,
  );
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} must be set`);
  return value;
}
