/**
 * Prompt acknowledgement on SQS: deletes settled delivery messages with one DeleteMessageBatch (SQS
 * takes at most 10 entries per call, a Lambda batch of the delivery queue holds at most 10 records).
 * The event source mapping deletes the batch's records again when the function returns; SQS answers
 * such a second delete with success, so the only cost is this request.
 */
import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MessageAcknowledger } from '#domain/ports';
import { describeError, logger } from '#observability';

const MAX_BATCH_ENTRIES = 10;

/** The last path segment of a queue URL, or the last `:` part of a queue ARN: the queue's name. */
function queueNameOf(urlOrArn: string): string {
  return urlOrArn.split(/[/:]/).pop() ?? '';
}

/** A MessageAcknowledger for the queue at `queueUrl`; messages of any other queue are left alone. */
export function createSqsAcknowledger(options: { client: SQSClient; queueUrl: string }): MessageAcknowledger {
  const queueName = queueNameOf(options.queueUrl);
  return {
    async acknowledge(sourceQueueArn, receiptHandles) {
      if (!sourceQueueArn || queueNameOf(sourceQueueArn) !== queueName) return;
      for (let start = 0; start < receiptHandles.length; start += MAX_BATCH_ENTRIES) {
        const chunk = receiptHandles.slice(start, start + MAX_BATCH_ENTRIES);
        try {
          await options.client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
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
