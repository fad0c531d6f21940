/** Test harness: the local SQS service behind a real node:http server on loopback, and a real SDK client. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll } from 'vitest';
import { createLocalSqs, type LocalSqs } from '#local/sqs/sqs-protocol';

export interface SqsHarness {
  sqs: LocalSqs;
  client: SQSClient;
  endpoint: string;
  requests: string[];
  close(): Promise<void>;
}

/** Starts the service on 127.0.0.1 with an ephemeral port, storing under `dataDir`. */
export async function startSqsHarness(dataDir: string): Promise<SqsHarness> {
  let endpoint = '';
  const requests: string[] = [];
  const sqs = await createLocalSqs({
    dataDir,
    baseUrl: () => endpoint,
    onRequest: (operation) => requests.push(operation),
  });
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    const aborted = new AbortController();
    response.on('close', () => aborted.abort());
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (!target.startsWith('AmazonSQS.')) {
        response.writeHead(404).end();
        return;
      }
      void sqs.handle(target, Buffer.concat(chunks).toString('utf8'), aborted.signal).then((answer) => {
        response.writeHead(answer.statusCode, answer.headers).end(answer.body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SQSClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    sqs,
    client,
    endpoint,
    requests,
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sqs.close();
    },
  };
}

/**
 * The set-up of a test file over the local SQS service: a harness storing under a fresh temporary
 * folder named from `prefix`, started before the suite and closed (its folder removed) after it.
 * Call at the top level of a test file (it registers the hooks); `harness` and `client` are readable
 * from the first test on.
 */
export function sqsHarnessSuite(prefix: string): {
  readonly harness: SqsHarness;
  readonly client: SQSClient;
} {
  let dataDir: string | undefined;
  let started: SqsHarness | undefined;
  const harness = (): SqsHarness => {
    if (started === undefined) throw new Error('the SQS harness is not started yet');
    return started;
  };
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), prefix));
    started = await startSqsHarness(dataDir);
  });
  afterAll(async () => {
    await started?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });
  return {
    get harness() {
      return harness();
    },
    get client() {
      return harness().client;
    },
  };
}
