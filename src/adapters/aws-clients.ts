/**
 * AWS SDK v3 client factories. Handlers call these once at module scope so connections (kept
 * alive by the SDK's default agent) are reused across invocations; the local runtime passes
 * `endpoint` to aim the very same clients at the embedded emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE_KEYS } from './dynamodb/table-definition';

/** Counts AWS API requests actually sent, per `Service.Operation`, retries included. */
export interface AwsRequestCounter {
  /** Counts `times` (default 1) requests of `service`.`operation`. */
  count(service: string, operation: string, times?: number): void;
  /** Counts so far, keyed `Service.Operation` (e.g. `DynamoDB.PutItem`; see ITEMS_KEY_SUFFIX for item counts). */
  snapshot(): Record<string, number>;
  /** Requests counted so far (item counts left out). */
  total(): number;
}

/**
 * Counter keys that end so count the items a batch read asked for, not requests: DynamoDB bills a
 * consistent BatchGetItem 1 read unit per item (per 4 KB), so `DynamoDB.BatchGetItem:items` next to
 * `DynamoDB.BatchGetItem` gives the read units. `total()` and request tables leave these keys out.
 */
export const ITEMS_KEY_SUFFIX = ':items';

/**
 * Counter keys `DynamoDB.WriteUnits:<family>` count the write units DynamoDB bills for the items
 * written, by item family: the sort key's text before its first `#` (`DL` for a delivery record,
 * `PAYLOAD`, `HEALTH`, `WH` …), so a benchmark can tell what each kind of item costs. Single-item
 * writes are measured by the store itself (ReturnConsumedCapacity, which an update needs: it is billed
 * on the larger of the item before and after); a BatchWriteItem's items by their size, as DynamoDB
 * bills them (1 unit per started KB).
 */
export const WRITE_UNITS_OPERATION = 'WriteUnits';

/** True for a counter key that counts requests (not items read, not write units). */
export const isRequestKey = (key: string): boolean => !key.includes(':');

/** Static credentials, for local endpoints that accept any. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsClientOptions {
  /** Overrides the service endpoint (local emulators); AWS_ENDPOINT_URL_* also work without this. */
  endpoint?: string;
  region?: string;
  credentials?: AwsCredentials;
  counter?: AwsRequestCounter;
  /** Attempts per request including the first (SDK default 3). */
  maxAttempts?: number;
  /**
   * Where serialised requests go instead of a socket (the local runtime's in-process endpoints). Such
   * requests are not SigV4-signed: they never leave the process and nothing there checks a signature,
   * and signing was about 40 % of the SDK's CPU per SendMessageBatch (bench/RESULTS.md, issue 14).
   * Every other middleware (serialisation, retries, the request counter) still runs.
   */
  requestHandler?: SQSClientConfig['requestHandler'];
  /**
   * SQS only: send requests to the configured endpoint (e.g. from AWS_ENDPOINT_URL_SQS) rather than
   * to the host inside each QueueUrl; implied by `endpoint`. Credentials and region stay the SDK's.
   */
  ignoreQueueUrlHost?: boolean;
}

/** A signer that leaves the request as it is: for requests that never leave the process. */
const IN_PROCESS_SIGNER = { sign: async <Request>(request: Request): Promise<Request> => request };

// Emulators accept any credentials; supplying some keeps the SDK from probing the default
// provider chain (which would reach for the instance metadata service off-box).
const EMULATOR_CREDENTIALS: AwsCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const EMULATOR_REGION = 'us-east-1';

/** An in-memory AwsRequestCounter. */
export function createAwsRequestCounter(): AwsRequestCounter {
  const counts = new Map<string, number>();
  return {
    count(service, operation, times = 1) {
      const key = `${service}.${operation}`;
      counts.set(key, (counts.get(key) ?? 0) + times);
    },
    snapshot: () => Object.fromEntries(counts),
    total: () => [...counts].reduce((sum, [key, value]) => (isRequestKey(key) ? sum + value : sum), 0),
  };
}

/** The requests counted between two snapshots of one counter, keyed `Service.Operation`; keys that did not grow are left out. */
export function requestsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const added: Record<string, number> = {};
  for (const [key, count] of Object.entries(after)) {
    const delta = count - (before[key] ?? 0);
    if (delta > 0) added[key] = delta;
  }
  return added;
}

interface InitializeStackLike {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string; override?: boolean },
    ): void;
  };
}

interface MiddlewareStackLike {
  middlewareStack: {
    addRelativeTo(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { name: string; relation: 'after'; toMiddleware: string; override?: boolean },
    ): void;
  };
}

/**
 * Adds a middleware that counts every HTTP request the client sends. It sits after the retry
 * middleware, so each retry attempt passes through it and is counted as AWS would bill it.
 */
export function countAwsRequests<T extends object>(client: T, counter: AwsRequestCounter): T {
  (client as unknown as MiddlewareStackLike).middlewareStack.addRelativeTo(
    (next, context) => async (args) => {
      const service = (context.clientName ?? 'Unknown').replace(/Client$/, '');
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      counter.count(service, operation);
      if (service === 'DynamoDB' && operation === 'BatchWriteItem') countBatchWriteUnits(args, counter);
      if (operation === 'BatchGetItem') {
        const tables = (args as { input?: { RequestItems?: Record<string, { Keys?: unknown[] }> } }).input
          ?.RequestItems;
        const items = Object.values(tables ?? {}).reduce((sum, table) => sum + (table.Keys?.length ?? 0), 0);
        counter.count(service, `${operation}${ITEMS_KEY_SUFFIX}`, items);
      }
      return next(args);
    },
    { name: 'awsRequestCounter', relation: 'after', toMiddleware: 'retryMiddleware', override: true },
  );
  if (isDynamoDbClient(client)) measureSingleWriteUnits(client, counter);
  return client;
}

const SINGLE_ITEM_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

function isDynamoDbClient(client: object): boolean {
  return (client as { constructor?: { name?: string } }).constructor?.name === 'DynamoDBClient';
}

/** The family of a written item's key: its sort key's text before the first `#` (see WRITE_UNITS_OPERATION). */
function itemFamily(key: Record<string, unknown> | undefined): string {
  const sort = key?.[TABLE_KEYS.sortKey] as { S?: unknown } | string | undefined;
  const text = typeof sort === 'string' ? sort : typeof sort?.S === 'string' ? sort.S : '';
  return text.split('#')[0] || 'other';
}

/**
 * Asks the store for the capacity each single-item write consumed and counts it by item family. Only
 * clients made with a counter (benchmarks and tests) ask; the deployed functions never send it.
 */
function measureSingleWriteUnits(client: object, counter: AwsRequestCounter): void {
  (client as unknown as InitializeStackLike).middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      if (!SINGLE_ITEM_WRITES.has(operation)) return next(args);
      const input = (args as { input: Record<string, unknown> }).input;
      input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const units = (result as { output?: { ConsumedCapacity?: { CapacityUnits?: number } } }).output
        ?.ConsumedCapacity?.CapacityUnits;
      const key = (input.Item ?? input.Key) as Record<string, unknown> | undefined;
      if (units !== undefined)
        counter.count('DynamoDB', `${WRITE_UNITS_OPERATION}:${itemFamily(key)}`, units);
      // Updates by family: a delivery record's updates are its attempt outcomes other than a
      // first-attempt success (the cost model prices `DELIVERY_LOG=failures` from them).
      if (operation === 'UpdateItem') counter.count('DynamoDB', `UpdateItem:${itemFamily(key)}`, 1);
      return result;
    },
    { step: 'initialize', name: 'awsWriteUnitCounter', override: true },
  );
}

/** Counts the write units of a BatchWriteItem's puts (by size) and deletes (1 each), by item family. */
function countBatchWriteUnits(args: unknown, counter: AwsRequestCounter): void {
  const tables = (
    args as {
      input?: {
        RequestItems?: Record<
          string,
          {
            PutRequest?: { Item?: Record<string, unknown> };
            DeleteRequest?: { Key?: Record<string, unknown> };
          }[]
        >;
      };
    }
  ).input?.RequestItems;
  for (const requests of Object.values(tables ?? {})) {
    for (const request of requests) {
      const item = request.PutRequest?.Item;
      const units = item ? Math.max(1, Math.ceil(itemSizeBytes(item) / 1024)) : 1;
      counter.count(
        'DynamoDB',
        `${WRITE_UNITS_OPERATION}:${itemFamily(item ?? request.DeleteRequest?.Key)}`,
        units,
      );
    }
  }
}

/**
 * The size DynamoDB bills for an item in its wire form (attribute values `{ S: … }`, `{ N: … }` …):
 * each attribute's name plus its value (strings and binaries by length, numbers ~1 byte per two
 * digits + 1, lists and maps 3 bytes plus 1 per element plus their contents, booleans and nulls 1).
 */
export function itemSizeBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + valueSizeBytes(value);
  return bytes;
}

function valueSizeBytes(value: unknown): number {
  const typed = value as Record<string, unknown>;
  if (typeof typed?.S === 'string') return Buffer.byteLength(typed.S);
  if (typeof typed?.N === 'string') return Math.ceil(typed.N.replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
  if (typed?.B instanceof Uint8Array) return typed.B.byteLength;
  if (Array.isArray(typed?.L))
    return 3 + typed.L.reduce((sum: number, entry) => sum + 1 + valueSizeBytes(entry), 0);
  if (typed?.M && typeof typed.M === 'object') {
    return (
      3 +
      Object.entries(typed.M as Record<string, unknown>).reduce(
        (sum, [name, entry]) => sum + 1 + Buffer.byteLength(name) + valueSizeBytes(entry),
        0,
      )
    );
  }
  if (Array.isArray(typed?.SS))
    return typed.SS.reduce((sum: number, entry: string) => sum + Buffer.byteLength(entry), 0);
  return 1;
}

/**
 * Resolves each command's middleware chain once per client instead of on every send, a measurable
 * share of every SQS call's CPU (bench). Safe because middleware is added only when a client is made,
 * before any send. The DynamoDB DocumentClient refuses it (it rewrites commands per send).
 */
const CACHED_MIDDLEWARE = { cacheMiddleware: true } as const;

function baseConfig(options: AwsClientOptions) {
  const isEmulator = options.endpoint !== undefined;
  const region = options.region ?? (isEmulator ? EMULATOR_REGION : undefined);
  const credentials = options.credentials ?? (isEmulator ? EMULATOR_CREDENTIALS : undefined);
  return {
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(region !== undefined && { region }),
    ...(credentials !== undefined && { credentials }),
    ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
    ...(options.requestHandler !== undefined && {
      requestHandler: options.requestHandler,
      signer: IN_PROCESS_SIGNER,
    }),
  };
}

function withCounter<T extends object>(client: T, counter: AwsRequestCounter | undefined): T {
  return counter ? countAwsRequests(client, counter) : client;
}

/** A plain DynamoDB client (table administration: CreateTable, DescribeTable). */
export function createDynamoDbClient(options: AwsClientOptions = {}): DynamoDBClient {
  return withCounter(new DynamoDBClient(baseConfig(options)), options.counter);
}

/** A DynamoDB DocumentClient: native JS values in and out, undefined attributes dropped. */
export function createDocumentClient(options: AwsClientOptions = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(createDynamoDbClient(options), {
    // Maps whose keys users choose (custom headers, event data) may hold a key named `constructor`;
    // the marshaller then takes the plain object for a class instance and throws unless told to
    // marshal such objects as maps. We store only plain data, so nothing else changes.
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}

/** An SQS client; with `endpoint`, requests go there rather than to the host inside each QueueUrl. */
export function createSqsClient(options: AwsClientOptions = {}): SQSClient {
  const config = {
    ...baseConfig(options),
    // The SDK re-hashes every sent and received body with MD5 to compare with SQS's own digest. TLS
    // already guards the bytes in transit (and the local transport has no transit), so the hashing
    // only costs CPU: about 5 % of a send, receive and delete (bench/RESULTS.md).
    md5: false as const,
    ...CACHED_MIDDLEWARE,
    ...((options.endpoint !== undefined || options.ignoreQueueUrlHost) && { useQueueUrlAsEndpoint: false }),
  };
  return withCounter(new SQSClient(config), options.counter);
}

/** An EventBridge client (PutEvents). */
export function createEventBridgeClient(options: AwsClientOptions = {}): EventBridgeClient {
  return withCounter(
    new EventBridgeClient({ ...baseConfig(options), ...CACHED_MIDDLEWARE }),
    options.counter,
  );
}

/** A Secrets Manager client (the encryption key). */
export function createSecretsManagerClient(options: AwsClientOptions = {}): SecretsManagerClient {
  return withCounter(new SecretsManagerClient(baseConfig(options)), options.counter);
}
