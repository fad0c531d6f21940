/**
 * Prompt acknowledgement of a delivery batch: a record that has settled (delivered, retry enqueued,
 * dead-lettered, dropped) is deleted from its queue without waiting for the slowest record of its
 * batch. Otherwise one webhook answering after seconds keeps the batch's finished records (perhaps
 * other tenants') undeleted, and a crash then sends them all again after the visibility timeout.
 *
 * Cost: nothing for a batch that ends within ACKNOWLEDGE_AFTER_MS (its end deletes every record, as
 * before). A slower batch deletes what settled meanwhile in one DeleteMessageBatch per window, at
 * most one request per settled record and usually one or two per slow batch; the end of the batch
 * deletes them again, which SQS answers as a success.
 */
import type { QueueMessage } from '#domain/delivery-task';
import type { MessageAcknowledger } from '#domain/ports';
import { describeError, logger } from '#observability';

/**
 * How long a settled record may wait for the rest of its batch before it is acknowledged on its own:
 * short against the visibility timeout (the duplicate window after a crash), long enough that a
 * batch of fast records ends first and costs no extra request.
 */
export const ACKNOWLEDGE_AFTER_MS = 200;

/** One batch's acknowledgements. */
export interface BatchAcknowledgement {
  /** `message` has settled: it will be acknowledged within ACKNOWLEDGE_AFTER_MS unless the batch ends first. */
  settled(message: QueueMessage): void;
  /** The batch is over: cancels what was not yet sent and waits for deletes in flight. */
  finish(): Promise<void>;
}

/** Starts the acknowledgements of one batch; without an acknowledger, or messages without receipt handles, it does nothing. */
export function startBatchAcknowledgement(
  acknowledger: MessageAcknowledger | undefined,
  afterMs = ACKNOWLEDGE_AFTER_MS,
): BatchAcknowledgement {
  let pending: QueueMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();
  const flush = (): void => {
    timer = undefined;
    const bySource = new Map<string | undefined, string[]>();
    for (const message of pending) {
      if (!message.receiptHandle) continue;
      const handles = bySource.get(message.eventSourceARN) ?? [];
      handles.push(message.receiptHandle);
      bySource.set(message.eventSourceARN, handles);
    }
    pending = [];
    for (const [source, handles] of bySource) {
      // Nobody awaits this but finish(): a failed delete must not be a rejection left unhandled (it
      // would end the process). The batch's end deletes the records anyway; this was only sooner.
      const deleting = (acknowledger as MessageAcknowledger)
        .acknowledge(source, handles)
        .catch((error: unknown) =>
          logger.warn('could not acknowledge settled delivery messages early', {
            messages: handles.length,
            error: describeError(error),
          }),
        );
      inFlight.add(deleting);
      void deleting.finally(() => inFlight.delete(deleting));
    }
  };
  return {
    settled(message) {
      if (!acknowledger || !message.receiptHandle) return;
      pending.push(message);
      timer ??= setTimeout(flush, afterMs);
    },
    async finish() {
      clearTimeout(timer);
      timer = undefined;
      pending = [];
      // A Lambda environment is frozen once the handler returns: no request may be left mid-flight.
      await Promise.all(inFlight);
    },
  };
}
