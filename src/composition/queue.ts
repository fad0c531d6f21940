/** The delivery queue on SQS. */
import { createSqsClient } from '#adapters/aws-clients';
import { createSqsAcknowledger } from '#adapters/sqs-acknowledger';
import { SqsDeliveryQueue } from '#adapters/sqs-delivery-queue';
import type { Config } from '#config';
import type { DeliveryQueue, MessageAcknowledger } from '#domain/ports';
import { awsClientOptions, type CompositionOptions, requiredSetting } from './options';

/**
 * The queue at DELIVERY_QUEUE_URL. Only the delivery function dead-letters, so only it is given
 * DELIVERY_DLQ_URL; elsewhere `deadLetter` rejects, naming the missing setting.
 */
export function buildDeliveryQueue(config: Config, options: CompositionOptions = {}): DeliveryQueue {
  const queueUrl = requiredSetting(config.DELIVERY_QUEUE_URL, 'DELIVERY_QUEUE_URL');
  const client = deliveryQueueClient(config, options);
  const deadLetterQueueUrl = config.DELIVERY_DLQ_URL;
  const ordered = {
    orderedQueueUrl: config.ORDERED_DELIVERY_QUEUE_URL,
    orderedDeadLetterQueueUrl: config.ORDERED_DELIVERY_DLQ_URL,
  };
  if (deadLetterQueueUrl) return new SqsDeliveryQueue({ client, queueUrl, deadLetterQueueUrl, ...ordered });
  const queue = new SqsDeliveryQueue({ client, queueUrl, deadLetterQueueUrl: '', ...ordered });
  return {
    enqueue: (tasks) => queue.enqueue(tasks),
    enqueueDelayed: (task, delaySeconds) => queue.enqueueDelayed(task, delaySeconds),
    deadLetter: async () => {
      throw new Error('DELIVERY_DLQ_URL must be set to dead-letter a delivery');
    },
  };
}

/** The SQS client of the delivery queue. */
function deliveryQueueClient(config: Config, options: CompositionOptions) {
  // An endpoint variable means a local or private SQS endpoint; the SDK honours it only when told to
  // ignore the (AWS-style) host inside the queue URL.
  const endpointVariable = config.AWS_ENDPOINT_URL_SQS ?? config.AWS_ENDPOINT_URL;
  return createSqsClient({
    ...awsClientOptions(options, options.endpoints?.sqs, options.transports?.sqs),
    ...(endpointVariable ? { ignoreQueueUrlHost: true } : {}),
  });
}

/**
 * Deletes settled messages of the queues at DELIVERY_QUEUE_URL and ORDERED_DELIVERY_QUEUE_URL before
 * their batch ends, and holds ordered deliveries until their retry (the delivery function consumes
 * both). Its own client: the delivery queue's sends are unaffected.
 */
export function buildDeliveryAcknowledger(
  config: Config,
  options: CompositionOptions = {},
): MessageAcknowledger {
  const queueUrl = requiredSetting(config.DELIVERY_QUEUE_URL, 'DELIVERY_QUEUE_URL');
  const queueUrls = [
    queueUrl,
    ...(config.ORDERED_DELIVERY_QUEUE_URL ? [config.ORDERED_DELIVERY_QUEUE_URL] : []),
  ];
  return createSqsAcknowledger({ client: deliveryQueueClient(config, options), queueUrls });
}
