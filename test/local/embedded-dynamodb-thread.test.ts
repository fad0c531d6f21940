/**
 * The embedded store on its own worker thread (what the local runtime starts): the same store behind
 * the same endpoint contract — only its own clients are answered, data survives a close and a restart,
 * and an acknowledged write survives a SIGKILL of the process.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#adapters/aws-clients';
import { startEmbeddedDynamoThread } from '#local/embedded-dynamodb-thread';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const threadModule = pathToFileURL(join(repositoryRoot, 'src/local/embedded-dynamodb-thread.ts')).href;
const clientsModule = pathToFileURL(join(repositoryRoot, 'src/adapters/aws-clients.ts')).href;
const libDynamoDbModule = pathToFileURL(
  createRequire(join(repositoryRoot, 'package.json')).resolve('@aws-sdk/lib-dynamodb'),
).href;
const tableName = 'chat-webhooks';
const credentials = { accessKeyId: 'local-thread-test-key', secretAccessKey: 'local' };

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'embedded-dynamo-thread-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function readItem(endpoint: string, pk: string) {
  const client = createDocumentClient({ endpoint, credentials });
  try {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk, sk: 'item' } }));
    return Item;
  } finally {
    client.destroy();
  }
}

describe('startEmbeddedDynamoThread', () => {
  it('answers its own clients only, and keeps data across a close and a restart', async () => {
    const first = await startEmbeddedDynamoThread({ dataDir, tableName, credentials });
    const client = createDocumentClient({ endpoint: first.endpoint, credentials });
    await client.send(new PutCommand({ TableName: tableName, Item: { pk: 'kept', sk: 'item', value: 42 } }));
    client.destroy();
    const stranger = createDocumentClient({ endpoint: first.endpoint, maxAttempts: 1 });
    await expect(
      stranger.send(new GetCommand({ TableName: tableName, Key: { pk: 'kept', sk: 'item' } })),
    ).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    stranger.destroy();
    await first.close();

    const second = await startEmbeddedDynamoThread({ dataDir, tableName, credentials });
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
      import { startEmbeddedDynamoThread } from ${JSON.stringify(threadModule)};
      import { createDocumentClient } from ${JSON.stringify(clientsModule)};
      import libDynamoDb from ${JSON.stringify(libDynamoDbModule)};
      const { PutCommand } = libDynamoDb;
      const credentials = ${JSON.stringify(credentials)};
      const store = await startEmbeddedDynamoThread({ dataDir: ${JSON.stringify(dataDir)}, tableName: ${JSON.stringify(tableName)}, credentials });
      const client = createDocumentClient({ endpoint: store.endpoint, credentials });
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

    const reopened = await startEmbeddedDynamoThread({ dataDir, tableName, credentials });
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
});
