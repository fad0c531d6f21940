/**
 * Prompt acknowledgement on SQS: deletes settled delivery messages with one DeleteMessageBatch (SQS
 * takes at most 10 entries per call, a Lambda batch of the delivery queue holds at most 10 records).
 * The event source mapping deletes the batch's records again when the function returns; SQS answers
 * such a second delete with success, so the only cost is this request.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { MessageAcknowledger } from '#domain/ports';
import { describeError, logger } from '#observability';

const MAX_BATCH_ENTRIES = 10;

/** The last path segment of a queue URL, or the last `:` part of a queue ARN: the queue's name. */
function queueNameOf(urlOrArn: string): string {
  return urlOrArn.split(/[/:]/).pop() ?? '';
}

/**
 * A MessageAcknowledger for the queues at `queueUrls` (the delivery queue, and the ordered one when
 * there is one); messages of any other queue are left alone.
 */
export function createSqsAcknowledger(options: {
  client: SQSClient;
  queueUrls: string[];
}): MessageAcknowledger {
  const urlsByName = new Map(options.queueUrls.map((url) => [queueNameOf(url), url]));
  const queueUrlOf = (sourceQueueArn: string | undefined) =>
    sourceQueueArn ? urlsByName.get(queueNameOf(sourceQueueArn)) : undefined;
  return {
    async hold(sourceQueueArn, receiptHandle, seconds) {
      const queueUrl = queueUrlOf(sourceQueueArn);
      if (!queueUrl) return false;
      try {
        await options.client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: Math.max(0, Math.min(43_200, Math.ceil(seconds))),
          }),
        );
        return true;
      } catch (error) {
        // It comes back after its visibility timeout instead, and waits out the rest then.
        logger.warn('could not hold an ordered delivery message until its retry', {
          error: describeError(error),
        });
        return false;
      }
    },
    async acknowledge(sourceQueueArn, receiptHandles) {
      const queueUrl = queueUrlOf(sourceQueueArn);
      if (!queueUrl) return;
      for (let start = 0; start < receiptHandles.length; start += MAX_BATCH_ENTRIES) {
        const chunk = receiptHandles.slice(start, start + MAX_BATCH_ENTRIES);
        try {
          await options.client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((receiptHandle, index) => ({
                Id: String(index),
                ReceiptHandle: receiptHandle,
              })),
            }),
          );
        } catch (error) {
          // The batch's end deletes them anyway; this was only to do it sooner.
          logger.warn('could not acknowledge settled delivery messages early', {
            messages: chunk.length,
            error: describeError(error),
          });
        }
      }
    },
  };
}
