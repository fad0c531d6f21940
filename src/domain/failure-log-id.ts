/**
 * The id of the failure log a dead-lettered delivery becomes, made from the delivery itself, so that
 * processing the same dead-letter message twice (the DLQ redelivers it after a crash or a timeout,
 * or a Lambda retry) names the same log and a conditional write keeps one (docs/contract.md#isolation).
 */
import { createHash } from 'node:crypto';
import { encodeTime } from 'ulid';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_CHARS = 16;

/** What identifies one dead-lettered delivery. */
export interface DeadLetterIdentity {
  tenantId: string;
  webhookId: string;
  event: { id: string; timestamp: string };
  attempts: readonly { at: string }[];
  redeliveryOf?: string;
  /**
   * The dead-letter message's id. Used only for a delivery without attempts (abandoned by the
   * queue's redrive), which has nothing else telling two abandonments of one event apart; a delivery
   * with attempts ignores it, so the same task dead-lettered twice by a retried send is one log too.
   */
  messageId: string;
}

/**
 * `fl_` + a ULID whose time is the last attempt's (else the event's) time, so logs still list newest
 * first, and whose 80 "random" bits are a SHA-256 of the delivery's identity: the same delivery gives
 * the same id, two deliveries (another webhook, event, redelivery or attempt history) differ.
 */
export function failureLogIdFor(delivery: DeadLetterIdentity): string {
  const lastAttemptAt = delivery.attempts.at(-1)?.at;
  const parsed = Date.parse(lastAttemptAt ?? delivery.event.timestamp);
  const time = Number.isFinite(parsed) && parsed >= 0 ? parsed : 0;
  const identity = JSON.stringify([
    delivery.tenantId,
    delivery.webhookId,
    delivery.event.id,
    delivery.redeliveryOf ?? null,
    delivery.attempts.map((attempt) => attempt.at),
    delivery.attempts.length === 0 ? delivery.messageId : null,
  ]);
  const digest = createHash('sha256').update(identity, 'utf8').digest();
  let random = '';
  for (let index = 0; index < RANDOM_CHARS; index += 1) {
    const bit = index * 5;
    const twoBytes = ((digest[bit >> 3] ?? 0) << 8) | (digest[(bit >> 3) + 1] ?? 0);
    random += CROCKFORD[(twoBytes >> (11 - (bit & 7))) & 31];
  }
  return `fl_${encodeTime(time, 10)}${random}`;
}
