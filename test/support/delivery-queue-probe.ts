/**
 * A barrier for "nothing more will be delivered": reads the local delivery queue's depth through the
 * runtime's opt-in SQS endpoint (start the service with LOCAL_SQS_PORT: '0'). A delivery queue with
 * nothing visible, in flight or delayed has no message left that could be attempted again, so a test
 * can prove that nothing more arrives without sleeping for a while first.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { TestService } from './local-service';

export interface DeliveryQueueProbe {
  /** Whether `queueName` (the unordered delivery queue by default) holds no message visible, in flight or delayed. */
  isDrained(queueName?: string): Promise<boolean>;
  /** How many messages `queueName` holds visible, in flight or delayed (an attribute not answered counts 0). */
  queuedMessages(queueName: string): Promise<number>;
  close(): void;
}

/** A probe of `service`'s delivery queues; throws when the service was started without LOCAL_SQS_PORT. */
export function deliveryQueueProbe(service: TestService): DeliveryQueueProbe {
  const endpoint = service.runtime.sqsUrl;
  if (!endpoint) throw new Error('start the service with LOCAL_SQS_PORT to probe its queues');
  return queueProbeAt({ endpoint, awsKey: service.runtime.awsKey });
}

/**
 * A probe of the local SQS service at `endpoint` (its URL), signing with `awsKey`; `maxAttempts` is the
 * SDK's (its default when left out). Errors of the service or the connection reject the calls.
 */
export function queueProbeAt(target: {
  endpoint: string;
  awsKey: { accessKeyId: string; secretAccessKey: string };
  maxAttempts?: number;
}): DeliveryQueueProbe {
  const sqs = new SQSClient({
    endpoint: target.endpoint,
    region: 'us-east-1',
    credentials: { ...target.awsKey },
    useQueueUrlAsEndpoint: false,
    ...(target.maxAttempts === undefined ? {} : { maxAttempts: target.maxAttempts }),
  });
  const depth = async (queueName: string) => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return Attributes;
  };
  return {
    async isDrained(queueName = 'chat-webhooks-deliveries') {
      const Attributes = await depth(queueName);
      return (
        Attributes.ApproximateNumberOfMessages === '0' &&
        Attributes.ApproximateNumberOfMessagesNotVisible === '0' &&
        Attributes.ApproximateNumberOfMessagesDelayed === '0'
      );
    },
    async queuedMessages(queueName) {
      const Attributes = await depth(queueName);
      return (
        Number(Attributes.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
      );
    },
    close: () => sqs.destroy(),
  };
}
