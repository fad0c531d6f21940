/**
 * Black-box: `npm start` as a user runs it, driven over HTTP only — then killed with SIGKILL
 * between delivery attempts and restarted on the same data directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver, verifyDelivery } from '../support/receiver';

const TOKEN = 'black-box-token-0123456789';
let dataDir: string;
let receiver: Receiver;
const running: ChildProcess[] = [];

interface Started {
  child: ChildProcess;
  url: string;
  /** The DATA_DIR's access key pair, as the banner shows it: PutEvents must be signed with it. */
  awsKey: { accessKeyId: string; secretAccessKey: string };
  output: () => string;
}

/** Runs `npm start` in its own process group and waits for the banner. */
async function npmStart(env: Record<string, string>): Promise<Started> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: process.cwd(),
    // Without the test run's own switch for the SDK's Node-version warning: `npm start` sets it itself.
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const match = /admin API\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(output);
    const key = /AWS_ACCESS_KEY_ID=(\S+)\s+AWS_SECRET_ACCESS_KEY=(\S+)/.exec(output);
    if (match && key) {
      return {
        child,
        url: match[1]!,
        awsKey: { accessKeyId: key[1]!, secretAccessKey: key[2]! },
        output: () => output,
      };
    }
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cw-npm-start-'));
  receiver = await startReceiver();
});

afterAll(async () => {
  for (const child of running) killGroup(child, 'SIGKILL');
  await receiver?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const env = () => ({
  PORT: '0',
  DATA_DIR: dataDir,
  ADMIN_TOKENS: `${TOKEN}=acme`,
  ALLOW_INSECURE_LOCALHOST: 'true',
  RETRY_SCHEDULE: '3,3',
  DELIVERY_TIMEOUT_MS: '1000',
  POWERTOOLS_LOG_LEVEL: 'WARN',
});

describe('npm start', () => {
  it('serves the API, survives kill -9 between attempts, and still delivers after restart', async () => {
    const first = await npmStart(env());
    expect(first.output()).toContain(dataDir);
    // docs/contract.md#local-runtime: a token given in ADMIN_TOKENS is never printed; its tenant is.
    expect(first.output()).not.toContain(TOKEN);
    expect(first.output()).toContain('for tenant(s): acme');
    expect(first.output()).not.toContain('NodeVersionSupportWarning');
    const call = async (url: string, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
    };
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
    expect((await fetch(`${first.url}/v1/webhooks`)).status).toBe(401);

    receiver.on('/crash', (_hit, response, count) => response.writeHead(count === 1 ? 503 : 200).end());
    const created = await call(first.url, 'POST', '/v1/webhooks', {
      name: 'survives crashes',
      events: ['conversation.created'],
      url: receiver.url('/crash'),
    });
    expect(created.status).toBe(201);

    const events = new EventBridgeClient({
      endpoint: first.url,
      region: 'us-east-1',
      credentials: first.awsKey,
    });
    const published = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'chat.platform',
            DetailType: 'conversation.created',
            EventBusName: 'chat-events',
            Detail: JSON.stringify({
              tenantId: 'acme',
              brandId: 'main',
              data: {
                conversation: {
                  id: 'c1',
                  status: 'open',
                  brandId: 'main',
                  createdAt: '2026-11-24T10:00:00Z',
                  updatedAt: '2026-11-24T10:00:00Z',
                },
              },
            }),
          },
        ],
      }),
    );
    events.destroy();
    expect(published.FailedEntryCount).toBe(0);

    await receiver.waitFor(() => receiver.hits('/crash').length === 1, 30_000, 'the first (failing) attempt');
    killGroup(first.child, 'SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const second = await npmStart(env());
    await receiver.waitFor(() => receiver.hits('/crash').length >= 2, 40_000, 'the retry after restart');
    const [failed, retried] = receiver.hits('/crash');
    expect(retried!.headers['webhook-id']).toBe(failed!.headers['webhook-id']);
    expect(verifyDelivery(retried!, created.body.signingSecret)).toMatchObject({
      type: 'conversation.created',
      tenantId: 'acme',
    });

    const after = await call(second.url, 'GET', `/v1/webhooks/${created.body.id}`);
    expect(after).toMatchObject({ status: 200, body: { name: 'survives crashes', status: 'active' } });
    expect((await call(second.url, 'GET', `/v1/webhooks/${created.body.id}/secret`)).body.signingSecret).toBe(
      created.body.signingSecret,
    );

    // The pipe closes only when every process of the group (npm, tsx, node) has let go of it.
    const closed = new Promise((resolve) => second.child.stdout?.once('close', resolve));
    killGroup(second.child, 'SIGTERM');
    await closed;
    expect(second.output()).toContain('SIGTERM');
    expect(second.output()).not.toContain('NodeVersionSupportWarning');
  });
});
