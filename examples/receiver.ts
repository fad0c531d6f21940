/**
 * `npm run receiver`: a tiny receiver on this machine for the first ten minutes. It registers itself
 * as a webhook of the local service (or reuses the one it registered before), then verifies every
 * delivery's signature with the public `standardwebhooks` library, the way a real receiver should,
 * and prints it.
 *
 * Environment: `RECEIVER_PORT` (default 4000; 0 = any free port), `SERVICE_URL` (default
 * http://127.0.0.1:3000), `ADMIN_TOKEN` (default: the dev token under `DATA_DIR`). The service must
 * run with `ALLOW_INSECURE_LOCALHOST=true`, since this receiver speaks plain http on loopback.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { EVENT_TYPES } from '#domain/event-catalogue';
import { adminToken, callApi, serviceUrl } from './service-client';

interface WebhookView {
  id: string;
  url: string;
  status: 'active' | 'inactive';
  signing: { enabled: boolean };
}

const NAME = 'Local receiver';

const base = serviceUrl();
const token = await adminToken().catch(fail);
const server = createServer();
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(process.env.RECEIVER_PORT ?? 4000), '127.0.0.1', resolve);
}).catch((error: Error) => fail(new Error(`cannot listen: ${error.message} (set RECEIVER_PORT)`)));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const webhook = await registerOnce().catch(fail);
let verifier = new Webhook(await signingSecret(webhook.id).catch(fail));

server.on('request', async (request, response) => {
  const body = await readBody(request);
  const headers = {
    'webhook-id': header(request, 'webhook-id'),
    'webhook-timestamp': header(request, 'webhook-timestamp'),
    'webhook-signature': header(request, 'webhook-signature'),
  };
  try {
    verifier.verify(body, headers);
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    // The secret may have been rotated since this receiver started: fetch it once and try again.
    verifier = new Webhook(await signingSecret(webhook.id));
    try {
      verifier.verify(body, headers);
    } catch (again) {
      console.log(`REJECTED  ${headers['webhook-id']}  signature check failed: ${(again as Error).message}`);
      response.writeHead(401).end();
      return;
    }
  }
  const event = JSON.parse(body) as { type: string; id: string };
  console.log(`delivery  ${event.type}  ${event.id}  signature verified (standardwebhooks)`);
  console.log(JSON.stringify(event, null, 2).replace(/^/gm, '  '));
  response.writeHead(204).end();
});

console.log(`receiver listening on ${url}`);
console.log(`  webhook ${webhook.id} ("${NAME}") delivers every catalogue event here, signed`);
console.log(`  console ${base}/webhooks/${webhook.id}`);
console.log('  stop with Ctrl-C (the webhook stays; deliveries made meanwhile are retried)');

process.on('SIGINT', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

/** The webhook this receiver registered before (by its URL), activated again if needed, or a new one. */
async function registerOnce(): Promise<WebhookView> {
  let cursor: string | undefined;
  do {
    const page = await callApi<{ items: WebhookView[]; nextCursor?: string | null }>(
      base,
      token,
      'GET',
      `/v1/webhooks?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    const mine = page.items.find((item) => item.url === url && item.signing.enabled);
    if (mine) {
      return mine.status === 'active'
        ? mine
        : callApi<WebhookView>(base, token, 'POST', `/v1/webhooks/${mine.id}/activate`);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  try {
    return await callApi<WebhookView>(base, token, 'POST', '/v1/webhooks', {
      name: NAME,
      description: 'Made by npm run receiver',
      events: EVENT_TYPES,
      url,
    });
  } catch (error) {
    if (/url/i.test((error as Error).message) && /https|loopback|private/i.test((error as Error).message)) {
      throw new Error(
        `the service refuses http://127.0.0.1 destinations: start it with ALLOW_INSECURE_LOCALHOST=true npm start\n  (${(error as Error).message})`,
      );
    }
    throw error;
  }
}

async function signingSecret(id: string): Promise<string> {
  return (await callApi<{ signingSecret: string }>(base, token, 'GET', `/v1/webhooks/${id}/secret`))
    .signingSecret;
}

function header(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function fail(error: Error): never {
  console.error(`receiver: ${error.message}`);
  process.exit(1);
}
