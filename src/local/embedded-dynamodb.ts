/**
 * The embedded DynamoDB-compatible store for the local runtime: dynalite (pure Node, LevelDB on
 * disk) on a loopback port, so the real DynamoDB adapters run unchanged against it.
 */
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { type AwsCredentials, createDynamoDbClient } from '#adapters/aws-clients';
import { ensureTable } from '#adapters/dynamodb/create-table';
import { describeCodedError } from '#domain/error-code';
import { logger } from '#observability';
import { installDynaliteIoGuard } from './dynalite-io-guard';
import { installDynaliteIteratorGuard } from './dynalite-iterator-guard';

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite is CommonJS without type declarations; load it through require and type what we use.
const require = createRequire(import.meta.url);
// Before dynalite loads its actions: an I/O error (a full disk) must answer 500, not end the process.
installDynaliteIoGuard(require, (error) =>
  logger.error('embedded store write failed; the request was refused', { error: describeCodedError(error) }),
);
// Every Query and Scan would otherwise leave a LevelDB iterator open for ever (native memory growth).
installDynaliteIteratorGuard(require);
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

export interface EmbeddedDynamo {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Stops the server and closes the LevelDB store (flushing it). */
  close(): Promise<void>;
}

/**
 * Starts dynalite on a free loopback port with its data under `<dataDir>/dynamodb`, and makes
 * sure `tableName` exists. LevelDB appends each acknowledged write to its log before answering,
 * so the data survives a restart and a `kill -9` of the process.
 */
export async function startEmbeddedDynamo(options: {
  dataDir: string;
  tableName: string;
  /**
   * When given, only requests signed with this access key id are answered (403
   * UnrecognizedClientException otherwise, CORS preflights included). dynalite itself checks no
   * signature and allows any web origin, so without this any local process, or a page in the
   * developer's browser that finds the port, could read and rewrite every tenant's webhooks.
   */
  credentials?: AwsCredentials;
}): Promise<EmbeddedDynamo> {
  const path = join(options.dataDir, 'dynamodb');
  await mkdir(path, { recursive: true });
  // Table state changes are instant: nothing here simulates AWS's provisioning delays.
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  if (options.credentials) requireAccessKey(server, options.credentials.accessKeyId);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
    });

  const client = createDynamoDbClient({
    endpoint,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  try {
    await ensureTable(client, options.tableName);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, close };
}

/** Puts a check of the SigV4 access key id in front of dynalite's own request listener. */
function requireAccessKey(server: Server, accessKeyId: string): void {
  const answer = server.listeners('request') as ((
    request: IncomingMessage,
    response: ServerResponse,
  ) => void)[];
  server.removeAllListeners('request');
  const expected = `Credential=${accessKeyId}/`;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.headers.authorization?.includes(expected)) {
      for (const listener of answer) listener.call(server, request, response);
      return;
    }
    request.resume();
    response.writeHead(403, { 'content-type': 'application/x-amz-json-1.0' }).end(
      JSON.stringify({
        __type: 'com.amazon.coral.service#UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      }),
    );
  });
}
