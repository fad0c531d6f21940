/**
 * docs/contract.md#local-runtime: PORT serves the admin API, GET /health and the PutEvents ingest, nothing else. Any other
 * AWS protocol on it answers 400 (once, SendMessage there forged a delivery the service signed).
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/local-service';

let service: TestService;

beforeAll(async () => {
  service = await startTestService();
});

afterAll(async () => {
  await service?.stop();
});

async function post(headers: Record<string, string>, body: string, path = '/') {
  const response = await fetch(`${service.url}${path}`, { method: 'POST', headers, body });
  return { status: response.status, body: await response.text() };
}

describe('PORT', () => {
  it.each([
    'AmazonSQS.SendMessage',
    'AmazonSQS.ReceiveMessage',
    'AmazonSQS.PurgeQueue',
    'AmazonSQS.ListQueues',
    'DynamoDB_20120810.Scan',
    'AWSEvents.ListRules',
    'secretsmanager.GetSecretValue',
  ])('answers 400 to %s (AWS JSON protocol)', async (target) => {
    const answer = await post(
      { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' },
      JSON.stringify({ QueueUrl: `${service.url}/000000000000/chat-webhooks-deliveries`, MessageBody: '{}' }),
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).__type).toBe('UnknownOperationException');
  });

  it('answers 400 to the SQS query protocol, in the query string or a form body', async () => {
    const form = await post(
      { 'content-type': 'application/x-www-form-urlencoded' },
      'Action=SendMessage&QueueUrl=x&MessageBody=%7B%7D',
    );
    expect(form.status).toBe(400);
    const query = await post({}, '', '/000000000000/chat-webhooks-deliveries?Action=PurgeQueue');
    expect(query.status).toBe(400);
  });

  it('refuses the real SQS client, so nothing reaches the delivery queue', async () => {
    const sqs = new SQSClient({
      endpoint: service.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      useQueueUrlAsEndpoint: false,
      maxAttempts: 1,
    });
    try {
      await expect(
        sqs.send(
          new SendMessageCommand({
            QueueUrl: `${service.url}/000000000000/chat-webhooks-deliveries`,
            MessageBody: '{}',
          }),
        ),
      ).rejects.toMatchObject({ name: 'UnknownOperationException', $metadata: { httpStatusCode: 400 } });
    } finally {
      sqs.destroy();
    }
  });

  it('still serves PutEvents, /health and the admin API', async () => {
    const putEvents = await post(
      { 'x-amz-target': 'AWSEvents.PutEvents', 'content-type': 'application/x-amz-json-1.1' },
      JSON.stringify({ Entries: [] }),
    );
    expect(putEvents.status).toBeLessThan(500);
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    expect((await service.api('GET', '/v1/event-types')).status).toBe(200);
  });
});
