/** Test harness: the local SQS service behind a real node:http server on loopback, and a real SDK client. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';
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
