/**
 * Time-to-live helpers. TTL deletion is eventual on AWS (typically within days) and never
 * happens on dynalite or DynamoDB Local, so every read filters out expired items itself, as
 * AWS recommends.
 */
import { TABLE_KEYS } from './table-definition';

/** Epoch seconds, the unit DynamoDB's TTL reads. */
export const toEpochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** A FilterExpression fragment keeping items that have not expired at `now`. */
export function notExpiredFilter(now: Date) {
  return {
    expression: 'attribute_not_exists(#expiresAt) OR #expiresAt > :now',
    names: { '#expiresAt': TABLE_KEYS.timeToLiveAttribute },
    values: { ':now': toEpochSeconds(now) },
  };
}

const STORAGE_ATTRIBUTES = new Set<string>([
  TABLE_KEYS.partitionKey,
  TABLE_KEYS.sortKey,
  TABLE_KEYS.byWebhookIndex.partitionKey,
  TABLE_KEYS.byWebhookIndex.sortKey,
  TABLE_KEYS.timeToLiveAttribute,
  'kind',
]);

/** The record without the table's own bookkeeping (keys, index keys, TTL, kind). */
export function withoutStorageAttributes(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !STORAGE_ATTRIBUTES.has(name)));
}
