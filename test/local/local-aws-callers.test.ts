/**
 * docs/contract.md#local-runtime: the local AWS-compatible endpoints answer only callers that hold
 * this DATA_DIR's access key pair, proven by a SigV4 signature, and only the service itself may
 * publish its `chat.webhooks` notices. An attacker on the machine who does not hold the key (another
 * user, a browser page's request, a process without access to DATA_DIR) gets a 403 in the AWS error
 * shape and puts nothing on the bus or the queues.
 */
import { stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminTokenRegistry } from '#local/admin-tokens';
import { LOCAL_AWS_KEY_FILE, type LocalAwsKey } from '#local/aws-caller-key';
import { type AwsCaller, createLocalServer } from '#local/server';
import { signedAwsHeaders } from '../support/aws-signing';
import { chatEvent, startTestService } from '../support/local-service';

const KEY: LocalAwsKey = { accessKeyId: 'LOCALKEYFORTHISTEST1', secretAccessKey: 'the-data-dirs-own-secret' };
const BODY = JSON.stringify({ Entries: [chatEvent('conversation.created', { tenantId: 'tenant-b' })] });

describe('PutEvents on PORT', () => {
  let server: Server;
  let url: string;
  const calls: { body: string; caller: AwsCaller }[] = [];

  beforeAll(async () => {
    server = createLocalServer({
      tokens: new AdminTokenRegistry([]),
      tenantClaim: 'tenant_id',
      awsKey: KEY,
      api: async () => ({ statusCode: 404, body: '{}' }),
      putEvents: async (body, caller) => {
        calls.push({ body, caller });
        return {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: '{"FailedEntryCount":0,"Entries":[{"EventId":"e"}]}',
        };
      },
      sqs: async () => ({ statusCode: 500, headers: {}, body: '' }),
      onError: () => undefined,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (credentials: LocalAwsKey) =>
    new EventBridgeClient({ endpoint: url, region: 'eu-west-1', credentials, maxAttempts: 1 });

  /** Signs `signedBody` as the SDK would, for `service`, at `signingDate`. */
  const signed = (signedBody: string, options: { service?: string; signingDate?: Date } = {}) =>
    signedAwsHeaders(url, KEY, signedBody, { target: 'AWSEvents.PutEvents', ...options });

  async function post(headers: Record<string, string>, body: string) {
    const response = await fetch(url, { method: 'POST', headers, body });
    return { status: response.status, body: (await response.json()) as { __type: string } };
  }

  it('serves the real SDK client signing with the DATA_DIR key, as an outside caller', async () => {
    calls.length = 0;
    const events = client(KEY);
    const answer = await events.send(
      new PutEventsCommand({ Entries: [chatEvent('conversation.created', { tenantId: 'tenant-b' })] }),
    );
    events.destroy();
    expect(answer.FailedEntryCount).toBe(0);
    expect(calls.map((call) => call.caller)).toEqual(['outside']);
  });

  it.each([
    [
      'another secret for the same access key',
      { ...KEY, secretAccessKey: 'guessed' },
      'InvalidSignatureException',
    ],
    [
      'another access key',
      { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'any' },
      'UnrecognizedClientException',
    ],
    [
      'the dummy credentials the README once suggested',
      { accessKeyId: 'local', secretAccessKey: 'local' },
      'UnrecognizedClientException',
    ],
  ])('refuses %s with a 403 the SDK raises by name, and stores nothing', async (_case, credentials, name) => {
    calls.length = 0;
    const events = client(credentials);
    const error = await events
      .send(new PutEventsCommand({ Entries: [chatEvent('conversation.created', { tenantId: 'tenant-b' })] }))
      .catch((caught: unknown) => caught);
    events.destroy();
    expect(error).toMatchObject({ name, $metadata: { httpStatusCode: 403 } });
    expect(calls).toEqual([]);
  });

  it('refuses an unsigned call with MissingAuthenticationTokenException', async () => {
    calls.length = 0;
    const answer = await post(
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      BODY,
    );
    expect(answer).toEqual({
      status: 403,
      body: expect.objectContaining({ __type: 'MissingAuthenticationTokenException' }),
    });
    expect(calls).toEqual([]);
  });

  it('refuses a signed request whose body was swapped, whose signature is stale, or that was signed for SQS', async () => {
    calls.length = 0;
    const good = await signed(BODY);
    expect((await post(good, BODY)).status).toBe(200);
    const forged = BODY.replace('tenant-b', 'tenant-a');
    expect(await post(good, forged)).toEqual({
      status: 403,
      body: expect.objectContaining({ __type: 'InvalidSignatureException' }),
    });
    // A hash of the forged body in X-Amz-Content-Sha256 does not help: the signature covers the header.
    const stale = await signed(BODY, { signingDate: new Date(Date.now() - 6 * 60 * 1000) });
    expect(await post(stale, BODY)).toEqual({
      status: 403,
      body: expect.objectContaining({ __type: 'InvalidSignatureException' }),
    });
    const forSqs = await signed(BODY, { service: 'sqs' });
    expect((await post(forSqs, BODY)).status).toBe(403);
    expect(calls).toHaveLength(1);
  });
});

describe('the local runtime', () => {
  it('keeps one key pair per DATA_DIR (0600), refuses chat.webhooks from outside, and guards LOCAL_SQS_PORT', async () => {
    const first = await startTestService({ LOCAL_SQS_PORT: '0' });
    let restarted: Awaited<ReturnType<typeof startTestService>> | undefined;
    try {
      const file = join(first.dataDir, LOCAL_AWS_KEY_FILE);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(first.runtime.awsKey.accessKeyId).toMatch(/^[A-Z0-9]{20}$/);

      // A forged notice (webhook.disabled for another tenant) is refused entry by entry, as EventBridge
      // refuses aws.* sources; the chat event beside it in the same call is accepted.
      const answer = await first.publish([
        {
          Source: 'chat.webhooks',
          DetailType: 'webhook.disabled',
          EventBusName: 'chat-events',
          Detail: JSON.stringify({ tenantId: 'tenant-b', webhookId: 'wh_x', name: 'forged' }),
        },
        chatEvent('conversation.deleted', {
          tenantId: 'tenant-a',
          brandId: 'b',
          data: { conversationId: 'c' },
        }),
      ]);
      expect(answer.FailedEntryCount).toBe(1);
      expect(answer.Entries?.[0]).toMatchObject({ ErrorCode: 'NotAuthorizedForSourceException' });
      expect(answer.Entries?.[1]?.EventId).toBeDefined();

      // The opt-in SQS port: a task put on the delivery queue would be signed with its tenant's secret.
      const sqs = (credentials: LocalAwsKey) =>
        new SQSClient({
          endpoint: first.runtime.sqsUrl!,
          region: 'us-east-1',
          credentials,
          useQueueUrlAsEndpoint: false,
          maxAttempts: 1,
        });
      const stranger = sqs({ accessKeyId: 'x', secretAccessKey: 'x' });
      const refused = await stranger
        .send(
          new SendMessageCommand({
            QueueUrl: `${first.runtime.sqsUrl}/000000000000/chat-webhooks-deliveries`,
            MessageBody: '{}',
          }),
        )
        .catch((caught: unknown) => caught);
      stranger.destroy();
      expect(refused).toMatchObject({ $metadata: { httpStatusCode: 403 } });
      const owner = sqs({ ...first.runtime.awsKey });
      const queue = await owner.send(new GetQueueUrlCommand({ QueueName: 'chat-webhooks-deliveries' }));
      owner.destroy();
      expect(queue.QueueUrl).toContain('chat-webhooks-deliveries');

      const { accessKeyId, secretAccessKey } = first.runtime.awsKey;
      await first.stop({ keepData: true });
      restarted = await startTestService({}, { dataDir: first.dataDir });
      expect(restarted.runtime.awsKey).toMatchObject({ accessKeyId, secretAccessKey });
    } finally {
      await (restarted ?? first).stop();
    }
  });
});
