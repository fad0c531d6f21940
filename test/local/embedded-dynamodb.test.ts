import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient, createDynamoDbClient } from '#adapters/aws-clients';
import { startEmbeddedDynamo } from '#local/embedded-dynamodb';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const embeddedModule = pathToFileURL(join(repositoryRoot, 'src/local/embedded-dynamodb.ts')).href;
const clientsModule = pathToFileURL(join(repositoryRoot, 'src/adapters/aws-clients.ts')).href;
// The writer script lives in a temp dir, so it names every module by absolute URL.
const libDynamoDbModule = pathToFileURL(
  createRequire(join(repositoryRoot, 'package.json')).resolve('@aws-sdk/lib-dynamodb'),
).href;
const tableName = 'chat-webhooks';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'embedded-dynamo-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function readItem(endpoint: string, pk: string) {
  const client = createDocumentClient({ endpoint });
  try {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk, sk: 'item' } }));
    return Item;
  } finally {
    client.destroy();
  }
}

describe('startEmbeddedDynamo', () => {
  it('with an access key, answers only requests signed with it: no other local process or web page reads or writes the store', async () => {
    const credentials = { accessKeyId: 'run-key-5f1c', secretAccessKey: 'local' };
    const store = await startEmbeddedDynamo({ dataDir, tableName, credentials });
    try {
      const owner = createDocumentClient({ endpoint: store.endpoint, credentials });
      await owner.send(new PutCommand({ TableName: tableName, Item: { pk: 'kept', sk: 'item' } }));
      owner.destroy();
      // dynalite accepts any signature and answers CORS preflights with `*`.
      const stranger = createDynamoDbClient({ endpoint: store.endpoint, maxAttempts: 1 });
      await expect(stranger.send(new DescribeTableCommand({ TableName: tableName }))).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
      });
      stranger.destroy();
      const preflight = await fetch(store.endpoint, {
        method: 'OPTIONS',
        headers: { origin: 'https://attacker.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('listens on loopback and creates the table with its index, ACTIVE', async () => {
    const store = await startEmbeddedDynamo({ dataDir, tableName });
    try {
      expect(store.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const admin = createDynamoDbClient({ endpoint: store.endpoint });
      const { Table } = await admin.send(new DescribeTableCommand({ TableName: tableName }));
      admin.destroy();
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema?.map((key) => key.AttributeName)).toEqual(['pk', 'sk']);
      expect(Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('gsi1');
      expect(Table?.GlobalSecondaryIndexes?.[0]?.IndexStatus).toBe('ACTIVE');
    } finally {
      await store.close();
    }
  });

  it('keeps data across a close and a restart on the same data directory', async () => {
    const first = await startEmbeddedDynamo({ dataDir, tableName });
    const client = createDocumentClient({ endpoint: first.endpoint });
    await client.send(new PutCommand({ TableName: tableName, Item: { pk: 'kept', sk: 'item', value: 42 } }));
    client.destroy();
    await first.close();

    const second = await startEmbeddedDynamo({ dataDir, tableName });
    try {
      expect(await readItem(second.endpoint, 'kept')).toEqual({ pk: 'kept', sk: 'item', value: 42 });
    } finally {
      await second.close();
    }
  });

  it('keeps an acknowledged write when its process is killed with SIGKILL', async () => {
    const script = join(dataDir, 'writer.mjs');
    await writeFile(
      script,
      `
      import { startEmbeddedDynamo } from ${JSON.stringify(embeddedModule)};
      import { createDocumentClient } from ${JSON.stringify(clientsModule)};
      import libDynamoDb from ${JSON.stringify(libDynamoDbModule)};
      const { PutCommand } = libDynamoDb;
      const store = await startEmbeddedDynamo({ dataDir: ${JSON.stringify(dataDir)}, tableName: ${JSON.stringify(tableName)} });
      const client = createDocumentClient({ endpoint: store.endpoint });
      await client.send(new PutCommand({ TableName: ${JSON.stringify(tableName)}, Item: { pk: 'acknowledged', sk: 'item', value: 'survives' } }));
      process.stdout.write('ACK\\n');
      setInterval(() => {}, 1000);
      `,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ACK')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`writer exited (${code}) before ACK: ${errors}`)));
    });
    child.kill('SIGKILL');
    await exited;
    expect(child.signalCode).toBe('SIGKILL');

    const reopened = await startEmbeddedDynamo({ dataDir, tableName });
    try {
      expect(await readItem(reopened.endpoint, 'acknowledged')).toEqual({
        pk: 'acknowledged',
        sk: 'item',
        value: 'survives',
      });
    } finally {
      await reopened.close();
    }
  });

  it('answers DescribeTimeToLive (dynalite has no UpdateTimeToLive; readers filter expiry)', async () => {
    const store = await startEmbeddedDynamo({ dataDir, tableName });
    try {
      const admin = createDynamoDbClient({ endpoint: store.endpoint });
      const { TimeToLiveDescription } = await admin.send(
        new DescribeTimeToLiveCommand({ TableName: tableName }),
      );
      admin.destroy();
      expect(TimeToLiveDescription?.TimeToLiveStatus).toBeDefined();
    } finally {
      await store.close();
    }
  });
});
