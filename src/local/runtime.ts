/**
 * The whole service on one machine: the embedded DynamoDB-compatible store, the durable local
 * queues, the HTTP port, and the Lambda handlers driven as AWS would drive them. Used by
 * `npm start`, the end-to-end tests and the benchmark.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { type AwsRequestCounter, createSqsClient } from '#adapters/aws-clients';
import { KeyFileSource } from '#adapters/encryption-key';
import { NOTICE_SOURCE } from '#adapters/eventbridge-notice-publisher';
import { systemHostResolver } from '#adapters/host-resolver';
import { type Composition, createServices } from '#composition';
import type { Config } from '#config';
import { DELIVERY_MAX_RECEIVES, ORDERED_DELIVERY_MAX_RECEIVES } from '#domain/delivery-task';
import type { HostResolver } from '#domain/ports';
import { createApiHandler } from '#functions/api';
import { createDeliveryHandler } from '#functions/delivery';
import { createDlqProcessorHandler } from '#functions/dlq-processor';
import { createFanOutHandler } from '#functions/fan-out';
import { createFanOutDlqProcessorHandler } from '#functions/fan-out-dlq-processor';
import { createPortalAuthorizer } from '#functions/portal-authorizer';
import { logger } from '#observability';
import { type AdminToken, AdminTokenRegistry, loadAdminTokens, parsePlatformTokens } from './admin-tokens';
import { type LocalAwsKey, loadLocalAwsKey, verifyAwsCaller } from './aws-caller-key';
import { acquireDataDirLock } from './data-dir-lock';
import { type DeliveryThreads, startDeliveryThreads } from './delivery-threads';
import { startEmbeddedDynamoThread } from './embedded-dynamodb-thread';
import { startSqsEventSource } from './event-source';
import { type BusEvent, handlePutEvents } from './eventbridge-ingest';
import { FailedTokenLimiter, type FailedTokenRule } from './failed-token-limiter';
import { InProcessRequestHandler } from './in-process-transport';
import { asFanOutDeadLetters, busQueueEntries, createBusDispatcher } from './local-bus';
import { makeDataDirPrivate } from './private-data-dir';
import { answerAwsCall, createLocalServer, type LocalServerRoutes, lambdaContext } from './server';
import { localEventSourceQueue } from './sqs/event-source-queue';
import { createLocalSqs, type LocalSqs } from './sqs/sqs-protocol';

/** Local stand-ins for the AWS resources the CDK stack creates. */
export const LOCAL_QUEUES = {
  deliveries: 'chat-webhooks-deliveries',
  deliveriesDeadLetter: 'chat-webhooks-deliveries-dlq',
  orderedDeliveries: 'chat-webhooks-ordered-deliveries.fifo',
  orderedDeliveriesDeadLetter: 'chat-webhooks-ordered-deliveries-dlq.fifo',
  bus: 'chat-events-bus',
  fanOutDeadLetter: 'chat-events-fan-out-dlq',
} as const;

/** The built admin console that PORT serves (console/dist, built by `npm start`'s prestart). */
const CONSOLE_DIST_DIR = fileURLToPath(new URL('../../console/dist', import.meta.url));

/** Attempts EventBridge makes at the fan-out target before its DLQ, locally. */
const FAN_OUT_MAX_RECEIVES = 5;
/**
 * How long an event caught mid-fan-out by a crash stays hidden. Short, because the event source's
 * heartbeat keeps a running fan-out's events hidden however long it takes.
 */
const BUS_VISIBILITY_TIMEOUT_SECONDS = 10;
/** Bus pollers (fan-out invocations of 10 events) allowed while batches are slow. */
const BUS_MAX_POLLERS = 8;

export interface LocalRuntimeOptions {
  config: Config;
  /** Name resolution for outbound deliveries (tests make names resolve to loopback). */
  resolver?: HostResolver;
  /** Extra CA for outbound TLS (tests with a self-signed receiver). */
  tlsCa?: string | Buffer;
  /** Counts AWS-equivalent API calls (the benchmark). */
  counter?: AwsRequestCounter;
  /**
   * Parallel pollers of the delivery queue (Lambda concurrency, locally). @default 8: with 4, the
   * pollers rather than the CPU held npm run bench back (3,700 against 4,100 deliveries/s).
   */
  deliveryConcurrency?: number;
  /**
   * Pollers the delivery queue may scale out to while batches wait on slow endpoints (Lambda scales
   * its concurrency the same way). @default 32
   */
  maxDeliveryConcurrency?: number;
  /** Delivery threads; overrides LOCAL_DELIVERY_THREADS (0: deliveries run on the main thread). */
  deliveryThreads?: number;
  /** Told about every event put on the local bus, including the service's own notices (`webhook.disabled`). */
  onBusEvent?: (event: BusEvent) => void;
  /** Told how long each handler invocation took (the benchmark's cost model bills these). */
  onInvocation?: (functionName: LocalFunctionName, durationMs: number) => void;
  /** Wrong tokens a source address may present (tests that fuzz authorization raise it). */
  failedTokenRule?: FailedTokenRule;
}

/** The Lambda functions the local runtime drives. */
export type LocalFunctionName = 'fan-out' | 'delivery' | 'dlq-processor';

export interface LocalRuntime {
  url: string;
  /** The local SQS endpoint on 127.0.0.1 when LOCAL_SQS_PORT is set; undefined otherwise. */
  sqsUrl?: string;
  port: number;
  dataDir: string;
  tokens: readonly AdminToken[];
  /** The access key pair PutEvents on PORT (and LOCAL_SQS_PORT) must be SigV4-signed with. */
  awsKey: LocalAwsKey;
  services: Composition;
  /** Each delivery thread's event loop use so far (active vs idle time); empty without threads. */
  deliveryThreadUtilization(): EventLoopUtilization[];
  /** Each delivery thread's V8 heap in use as of its latest invocation, in bytes; empty without threads. */
  deliveryThreadHeapUsed(): number[];
  close(): Promise<void>;
}

/** Starts everything; resolves once the port accepts requests and the pollers run. */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const dataDir = resolve(options.config.DATA_DIR);
  await makeDataDirPrivate(dataDir);
  const lock = await acquireDataDirLock(dataDir);
  try {
    const runtime = await startOnLockedDataDir(options, dataDir);
    return { ...runtime, close: () => runtime.close().finally(() => lock.release()) };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function startOnLockedDataDir(options: LocalRuntimeOptions, dataDir: string): Promise<LocalRuntime> {
  const { config } = options;
  const tokens = await loadAdminTokens(config.ADMIN_TOKENS, dataDir);
  const awsKey = await loadLocalAwsKey(dataDir);
  // A fresh access key per run: the embedded store answers only this runtime's own clients.
  const aws = {
    credentials: { accessKeyId: `local-${randomBytes(12).toString('hex')}`, secretAccessKey: 'local' },
    region: 'us-east-1',
  };
  const dynamo = await startEmbeddedDynamoThread({
    dataDir,
    tableName: config.TABLE_NAME,
    credentials: aws.credentials,
  });
  let baseUrl = '';
  const localSqs = await createLocalSqs({ dataDir, baseUrl: () => baseUrl });

  // The server must listen before queue URLs (which embed its port) exist, so its routes are bound late.
  const pending = async (): Promise<never> => {
    throw new Error('The local runtime is still starting');
  };
  const routes: LocalServerRoutes = {
    tokens: new AdminTokenRegistry(tokens),
    platformTokens: new AdminTokenRegistry(parsePlatformTokens(config.PLATFORM_TOKENS, tokens)),
    portalAllowedOrigins: (config.PORTAL_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
    tenantClaim: config.TENANT_CLAIM,
    awsKey,
    api: pending,
    putEvents: pending,
    sqs: (target, body, signal) => localSqs.handle(target, body, signal),
    onError: (error) => logger.error('Local server error', { error: String(error) }),
    onClientAbort: (error) => logger.info('Client aborted its request', { error: String(error) }),
    consoleDir: CONSOLE_DIST_DIR,
    ...(options.failedTokenRule ? { failedTokens: new FailedTokenLimiter(options.failedTokenRule) } : {}),
  };
  const server = createLocalServer(routes);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  const queueServer =
    config.LOCAL_SQS_PORT === undefined
      ? undefined
      : await listenLocalSqs(config.LOCAL_SQS_PORT, awsKey, (target, body, signal) =>
          localSqs.handle(target, body, signal),
        );

  // The runtime's own clients reach the local SQS and ingest in-process: the same SDK calls and
  // protocol code, minus a loopback connection per call (see in-process-transport.ts).
  const transport = new InProcessRequestHandler((target, body, signal) =>
    answerAwsCall(routes, target, body, signal),
  );
  const setupClient = createSqsClient({ ...aws, endpoint: baseUrl, requestHandler: transport });
  // The event sources stand in for Lambda's event source mappings, whose receives and deletes AWS bills
  // as SQS requests: they are counted. The bus queue stands in for EventBridge's own storage and rule
  // invocations, which are no API calls on AWS, so its traffic is not.
  const countedQueue = localEventSourceQueue(localSqs, (operation) =>
    options.counter?.count('SQS', operation),
  );
  const busQueue = localEventSourceQueue(localSqs);
  const deliveryConcurrency = options.deliveryConcurrency ?? 8;
  const maxDeliveryConcurrency = Math.max(deliveryConcurrency, options.maxDeliveryConcurrency ?? 32);
  const deliveryVisibilityTimeoutSeconds = deliveryVisibilityTimeout(config);
  const queueUrls = await createQueues(
    setupClient,
    localSqs.queueArn.bind(localSqs),
    deliveryVisibilityTimeoutSeconds,
  );

  const serviceConfig = {
    ...config,
    DELIVERY_QUEUE_URL: queueUrls.deliveries,
    DELIVERY_DLQ_URL: queueUrls.deliveriesDeadLetter,
    ORDERED_DELIVERY_QUEUE_URL: queueUrls.orderedDeliveries,
    ORDERED_DELIVERY_DLQ_URL: queueUrls.orderedDeliveriesDeadLetter,
    // Portal links open on this very server unless the console is served elsewhere.
    CONSOLE_URL: config.CONSOLE_URL ?? baseUrl,
  };
  const keyFile = join(dataDir, 'keys', 'master.key');
  const keySource = new KeyFileSource(keyFile);
  const services = createServices(serviceConfig, {
    endpoints: { dynamodb: dynamo.endpoint, sqs: baseUrl, eventbridge: baseUrl },
    transports: { sqs: transport, eventbridge: transport },
    aws,
    keySource,
    ...(options.resolver ? { resolver: options.resolver } : {}),
    ...(options.tlsCa ? { tlsCa: options.tlsCa } : {}),
    ...(options.counter ? { counter: options.counter } : {}),
  });
  const api = createApiHandler(services);
  const fanOut = createFanOutHandler(services);
  const delivery = createDeliveryHandler(services);
  const dlqProcessor = createDlqProcessorHandler(services);
  const fanOutDlqProcessor = createFanOutDlqProcessorHandler(services);

  routes.api = (event, context) => api(event, context);
  routes.authorizePortal = createPortalAuthorizer(services);
  routes.putEvents = (body, caller) =>
    handlePutEvents(body, {
      eventBusName: config.EVENT_BUS_NAME,
      persist: (events) => persistOnBus(localSqs, queueUrls.bus, events),
      // Only the service publishes its notices: a forged `webhook.disabled` would reach the platform's rules.
      ...(caller === 'outside' ? { refusedSources: OUTSIDE_REFUSED_SOURCES } : {}),
    });

  const timed =
    <Event, Result>(name: LocalFunctionName, handler: (event: Event) => Promise<Result>) =>
    async (event: Event): Promise<Result> => {
      const startedAt = performance.now();
      try {
        return await handler(event);
      } finally {
        options.onInvocation?.(name, performance.now() - startedAt);
      }
    };
  const onError = (source: string) => (error: unknown) =>
    logger.error(`${source} poller error`, { error: String(error) });

  const threadCount = options.deliveryThreads ?? config.LOCAL_DELIVERY_THREADS;
  const startThreads = async (): Promise<DeliveryThreads> => {
    // Made (or read) once here, so threads starting together never race to create the key file.
    await keySource.getMasterKey();
    return startDeliveryThreads({
      count: threadCount,
      settings: {
        config: serviceConfig,
        dynamodbEndpoint: dynamo.endpoint,
        baseUrl,
        aws,
        keyFile,
        ...(options.tlsCa ? { tlsCa: options.tlsCa } : {}),
      },
      resolver: options.resolver ?? systemHostResolver,
      answerAwsCall: (target, body) => answerAwsCall(routes, target, body),
      ...(options.counter ? { counter: options.counter } : {}),
      onError: (error) => logger.error('Delivery thread error', { error: String(error) }),
      onStrayFailure: (error) =>
        logger.warn('a request of a delivery thread failed with nobody waiting for it; the thread goes on', {
          error,
        }),
    });
  };
  const threads = threadCount > 0 ? await startThreads() : undefined;
  let isClosing = false;
  routes.unreadiness = () => {
    if (isClosing) return 'the service is stopping';
    if (threads && threads.readyCount() === 0) return 'no delivery thread is running; one is being restarted';
    return undefined;
  };
  const runDelivery = threads
    ? (event: SQSEvent) => threads.invoke(event)
    : (event: SQSEvent) => delivery(event, lambdaContext('chat-webhooks-delivery'));
  const sources = [
    startSqsEventSource({
      queue: busQueue,
      queueUrl: queueUrls.bus,
      queueArn: localSqs.queueArn(LOCAL_QUEUES.bus),
      handler: createBusDispatcher(
        timed('fan-out', (event) => fanOut(event, lambdaContext('chat-webhooks-fan-out'))),
        options.onBusEvent ? { onEvent: options.onBusEvent } : {},
      ),
      concurrency: 2,
      // EventBridge invokes the fan-out asynchronously and Lambda scales it out: a slow batch (a slow
      // table, a large fan-out) must not hold up the events behind it, so extra pollers may start.
      maxConcurrency: BUS_MAX_POLLERS,
      visibilityTimeoutSeconds: BUS_VISIBILITY_TIMEOUT_SECONDS,
      onError: onError('bus'),
    }),
    startSqsEventSource({
      queue: countedQueue,
      queueUrl: queueUrls.deliveries,
      queueArn: localSqs.queueArn(LOCAL_QUEUES.deliveries),
      handler: timed('delivery', runDelivery),
      concurrency: deliveryConcurrency,
      maxConcurrency: maxDeliveryConcurrency,
      // Batches wait on per-endpoint slots shared by every poller: the heartbeat keeps them hidden
      // while they wait, so the timeout itself only bounds how long a crash's in-flight work hides.
      visibilityTimeoutSeconds: deliveryVisibilityTimeoutSeconds,
      // The delivery function deletes each record it has settled without waiting for its batch.
      handlerAcknowledgesEarly: true,
      onError: onError('delivery'),
    }),
    // Ordered deliveries (docs/ordering.md): the same handler; the FIFO queue serves one message of a
    // conversation at a time, and a retry holds its message by visibility.
    startSqsEventSource({
      queue: countedQueue,
      queueUrl: queueUrls.orderedDeliveries,
      queueArn: localSqs.queueArn(LOCAL_QUEUES.orderedDeliveries),
      handler: timed('delivery', runDelivery),
      concurrency: Math.max(1, Math.ceil(deliveryConcurrency / 4)),
      maxConcurrency: Math.max(1, Math.ceil(maxDeliveryConcurrency / 4)),
      visibilityTimeoutSeconds: deliveryVisibilityTimeoutSeconds,
      handlerAcknowledgesEarly: true,
      onError: onError('ordered delivery'),
    }),
    ...[queueUrls.deliveriesDeadLetter, queueUrls.orderedDeliveriesDeadLetter].map((queueUrl, index) =>
      startSqsEventSource({
        queue: countedQueue,
        queueUrl,
        queueArn: localSqs.queueArn(
          index === 0 ? LOCAL_QUEUES.deliveriesDeadLetter : LOCAL_QUEUES.orderedDeliveriesDeadLetter,
        ),
        handler: timed('dlq-processor', (event: SQSEvent) =>
          dlqProcessor(event, lambdaContext('chat-webhooks-dlq-processor')),
        ),
        concurrency: 1,
        onError: onError('dlq'),
      }),
    ),
    // Events the fan-out kept failing on (the bus queue's redrive): recorded as rejected events.
    startSqsEventSource({
      queue: countedQueue,
      queueUrl: queueUrls.fanOutDeadLetter,
      queueArn: localSqs.queueArn(LOCAL_QUEUES.fanOutDeadLetter),
      // Not timed: the benchmark's cost model prices the functions on the hot path only.
      handler: (event: SQSEvent) =>
        fanOutDlqProcessor(asFanOutDeadLetters(event), lambdaContext('chat-webhooks-fan-out-dlq-processor')),
      concurrency: 1,
      onError: onError('fan-out-dlq'),
    }),
  ];

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    ...(queueServer ? { sqsUrl: queueServer.url } : {}),
    port,
    dataDir,
    tokens,
    awsKey,
    services,
    deliveryThreadUtilization: () => threads?.eventLoopUtilization() ?? [],
    deliveryThreadHeapUsed: () => threads?.heapUsedBytes() ?? [],
    close: () => {
      closing ??= (async () => {
        isClosing = true;
        await Promise.all(sources.map((source) => source.stop()));
        await threads?.close();
        for (const open of [server, queueServer?.server]) {
          if (!open) continue;
          await new Promise<void>((resolveClose) => {
            open.close(() => resolveClose());
            open.closeAllConnections();
          });
        }
        await services.close();
        setupClient.destroy();
        await localSqs.close();
        await dynamo.close();
      })();
      return closing;
    },
  };
}

/**
 * The delivery queue's visibility timeout: a margin over one batch's attempts timing out (its records
 * run in parallel), and no longer, because it is how long a crash's in-flight deliveries stay hidden. Waiting for a
 * per-endpoint slot behind other batches is covered by the event source's heartbeat, not by this
 * value (it was once DELIVERY_TIMEOUT_MS x (slot rounds + 2), 220 s by default: minutes of recovery).
 */
export function deliveryVisibilityTimeout(config: Pick<Config, 'DELIVERY_TIMEOUT_MS'>): number {
  return Math.max(5, Math.ceil(config.DELIVERY_TIMEOUT_MS / 1000) * 3);
}

async function createQueues(
  client: SQSClient,
  queueArn: (name: string) => string,
  deliveryVisibilityTimeoutSeconds: number,
): Promise<Record<keyof typeof LOCAL_QUEUES, string>> {
  // Created bare, then configured: a restart with other settings (DELIVERY_TIMEOUT_MS changes the
  // visibility timeout) must update the queues on DATA_DIR, where CreateQueue with the new attributes
  // would fail with QueueNameExists and the service would not start.
  const create = async (name: string, attributes: Record<string, string>) => {
    // A FIFO queue is one from its creation (FifoQueue cannot be set later).
    const fifo = name.endsWith('.fifo') ? { Attributes: { FifoQueue: 'true' } } : {};
    const queueUrl = (await client.send(new CreateQueueCommand({ QueueName: name, ...fifo }))).QueueUrl!;
    await client.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: attributes }));
    return queueUrl;
  };
  const deliveriesDeadLetter = await create(LOCAL_QUEUES.deliveriesDeadLetter, {
    MessageRetentionPeriod: '1209600',
  });
  const fanOutDeadLetter = await create(LOCAL_QUEUES.fanOutDeadLetter, { MessageRetentionPeriod: '1209600' });
  const deliveries = await create(LOCAL_QUEUES.deliveries, {
    VisibilityTimeout: String(deliveryVisibilityTimeoutSeconds),
    MessageRetentionPeriod: '1209600',
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: queueArn(LOCAL_QUEUES.deliveriesDeadLetter),
      maxReceiveCount: DELIVERY_MAX_RECEIVES,
    }),
  });
  const orderedDeliveriesDeadLetter = await create(LOCAL_QUEUES.orderedDeliveriesDeadLetter, {
    MessageRetentionPeriod: '1209600',
  });
  const orderedDeliveries = await create(LOCAL_QUEUES.orderedDeliveries, {
    VisibilityTimeout: String(deliveryVisibilityTimeoutSeconds),
    MessageRetentionPeriod: '1209600',
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: queueArn(LOCAL_QUEUES.orderedDeliveriesDeadLetter),
      maxReceiveCount: ORDERED_DELIVERY_MAX_RECEIVES,
    }),
  });
  const bus = await create(LOCAL_QUEUES.bus, {
    VisibilityTimeout: String(BUS_VISIBILITY_TIMEOUT_SECONDS),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: queueArn(LOCAL_QUEUES.fanOutDeadLetter),
      maxReceiveCount: FAN_OUT_MAX_RECEIVES,
    }),
  });
  return {
    deliveries,
    deliveriesDeadLetter,
    orderedDeliveries,
    orderedDeliveriesDeadLetter,
    bus,
    fanOutDeadLetter,
  };
}

/**
 * Stores accepted events on the bus queue in-process: the same LevelDB write before the PutEvents
 * answer, without a loopback HTTP round trip and two SDK (de)serialisations per 10 events.
 */
async function persistOnBus(localSqs: LocalSqs, queueUrl: string, events: BusEvent[]): Promise<void> {
  const output = await localSqs.invoke('SendMessageBatch', {
    QueueUrl: queueUrl,
    Entries: busQueueEntries(events),
  });
  const failed = (output.Failed ?? []) as { Message?: string }[];
  if (failed.length > 0) {
    throw new Error(`The local bus refused ${failed.length} event(s): ${failed[0]?.Message ?? ''}`);
  }
}

/** Sources a caller from outside the process may not publish. */
const OUTSIDE_REFUSED_SOURCES: ReadonlySet<string> = new Set([NOTICE_SOURCE]);

/**
 * The opt-in SQS endpoint (LOCAL_SQS_PORT): 127.0.0.1 only whatever HOST is, and SQS only. It is
 * for looking at the local queues (depths, dead letters), and answers only calls SigV4-signed with
 * this DATA_DIR's key: a task put on the delivery queue is sent signed with its tenant's secret.
 */
async function listenLocalSqs(
  port: number,
  awsKey: LocalAwsKey,
  sqs: LocalServerRoutes['sqs'],
): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const body = Buffer.concat(chunks);
      const answer = target.startsWith('AmazonSQS.')
        ? verifyAwsCaller(
            { method: request.method ?? 'POST', url: request.url ?? '/', headers: request.headers, body },
            awsKey,
            'sqs',
          ).then((refused) => refused ?? sqs(target, body.toString('utf8')))
        : Promise.resolve({
            statusCode: 400,
            headers: { 'content-type': 'application/x-amz-json-1.1' },
            body: JSON.stringify({ __type: 'UnknownOperationException', message: 'SQS only' }),
          });
      answer.then(
        (result) => response.writeHead(result.statusCode, result.headers).end(result.body),
        (error: unknown) => {
          logger.error('Local SQS endpoint error', { error: String(error) });
          response.writeHead(500).end();
        },
      );
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolveListen());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
