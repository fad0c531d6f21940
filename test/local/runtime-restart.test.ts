/** The local runtime restarted on the same DATA_DIR with other settings: its queues follow the new settings. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_QUEUES } from '#local/runtime';
import { startTestService } from '../support/local-service';

const dataDirs: string[] = [];

afterAll(async () => {
  for (const dataDir of dataDirs) await rm(dataDir, { recursive: true, force: true });
});

async function deliveryVisibilityTimeout(runtime: {
  sqsUrl?: string;
  awsKey: { accessKeyId: string; secretAccessKey: string };
}): Promise<string | undefined> {
  const sqs = new SQSClient({
    endpoint: runtime.sqsUrl,
    region: 'us-east-1',
    credentials: { ...runtime.awsKey },
    useQueueUrlAsEndpoint: false,
  });
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: LOCAL_QUEUES.deliveries }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout'] }),
    );
    return Attributes?.VisibilityTimeout;
  } finally {
    sqs.destroy();
  }
}

describe('local runtime restart', () => {
  it('starts on an existing DATA_DIR after DELIVERY_TIMEOUT_MS changed, with the new visibility timeout', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cw-restart-'));
    dataDirs.push(dataDir);
    const first = await startTestService({ DELIVERY_TIMEOUT_MS: '800', LOCAL_SQS_PORT: '0' }, { dataDir });
    expect(await deliveryVisibilityTimeout(first.runtime)).toBe('5');
    await first.stop({ keepData: true });

    // Three attempt timeouts: the heartbeat, not this value, covers waiting for per-endpoint slots, so a
    // crash's in-flight deliveries come back after 30 s (it was 220 s while the value covered slot rounds).
    // Before the fix, CreateQueue with the new attributes failed with QueueNameExists: no start.
    const second = await startTestService({ DELIVERY_TIMEOUT_MS: '10000', LOCAL_SQS_PORT: '0' }, { dataDir });
    try {
      expect(await deliveryVisibilityTimeout(second.runtime)).toBe('30');
    } finally {
      await second.stop({ keepData: true });
    }
  });
});
