/**
 * Delivery groups: the delivery log's first-attempt successes stored many to an item, so the log
 * costs fewer write units than deliveries (docs/storage.md, docs/cost.md). DynamoDB bills a write per
 * started KB of each item, and a successful first attempt's record is mostly what the webhook's other
 * records also hold (its headers, its host, its event type, field names): the records of one webhook
 * written at one moment are stored as one item, their JSON compressed with a fixed dictionary, and read
 * back exactly as they were written.
 *
 * | item             | pk                          | sk                      | holds                                  |
 * |------------------|-----------------------------|-------------------------|----------------------------------------|
 * | delivery group   | T#<tenant>#DL#<webhookId>   | DL#<max ulid>~<flush>   | up to GROUP_MEMBERS_MAX records        |
 * | tenant group ref | T#<tenant>#DLI#<0..3>       | DL#<max ulid>~<flush>   | [webhookId, group's max ulid] per group; `events` |
 * | event group ref  | T#<tenant>#EV#<eventId>     | DL#<max ulid>~<flush>   | [webhookId, ulid, group's max ulid] per delivery of the event (unless the tenant ref lists the event) |
 *
 * A group's sort key is its newest member's ULID, so every member sorts at or below it, and its members'
 * first attempts lie within GROUP_SPAN_MS: a reader that walks a partition newest first knows which
 * members are in order, and finds a delivery's group within GROUP_SPAN_MS above the delivery's ULID.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeTime, encodeTime } from 'ulid';
import type { DeliveryRecord } from '#domain/delivery-log';

/**
 * Where a first-attempt success may sit, around its event's time (ms before and after), for the event
 * search to find it through the tenant index instead of an entry per event: when the event's id claim
 * carries the payload (which names that time), such a flush lists the event in its tenant refs
 * (`events`) and writes no event ref for it. A delivery outside the window (a backlog, a publisher's
 * clock) keeps its event ref. The event search reads the tenant index over the window (and two spans
 * more: a group's key is its newest member's, a ref's its newest group's).
 */
export const EVENT_WINDOW_BEFORE_MS = 5_000;
export const EVENT_WINDOW_AFTER_MS = 30_000;

/** Members' first attempts of one group lie within this span (ms). */
export const GROUP_SPAN_MS = 2_000;
/** Records per group item: under DynamoDB's 400 KB item limit with room to spare. */
export const GROUP_MEMBERS_MAX = 100;
/** Groups one tenant ref lists (its item stays near 1 KB). */
export const TENANT_REF_GROUPS_MAX = 14;
/** The `kind` of a group item and of the refs. */
export const GROUP_KIND = 'delivery-group';
export const GROUP_REF_KIND = 'delivery-index';
/** Encoding of `members`: deflate-raw of the records' JSON with GROUP_DICTIONARY. */
export const GROUP_ENCODING = 1;

/**
 * What the compressor is primed with: the text a record's JSON repeats. It is part of the stored
 * format (encoding 1): never change it; a new dictionary is a new encoding number.
 */
const GROUP_DICTIONARY = Buffer.from(
  '"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z","attempts":[{"at":"2026-' +
    '","host":"","statusCode":200,"durationMs":,"requestHeaders":{"content-type":"application/json",' +
    '"user-agent":"chat-webhooks/","webhook-id":"evt_","webhook-timestamp":"17","webhook-signature":"v1,' +
    '","authorization":"Bearer ****"},"responseSnippet":"ok"}],"lastStatusCode":200,"eventType":"message.' +
    'created","conversation.","status":"succeeded","attemptCount":1,"eventId":"evt_","id":"dlv_',
);

/** A stored member: the record without what the group item says once (tenant, webhook). */
export type GroupMember = Omit<DeliveryRecord, 'tenantId' | 'webhookId'>;

export function encodeMembers(members: readonly GroupMember[]): Uint8Array {
  return new Uint8Array(deflateRawSync(JSON.stringify(members), { dictionary: GROUP_DICTIONARY, level: 9 }));
}

export function decodeMembers(encoded: Uint8Array): GroupMember[] {
  const text = inflateRawSync(encoded, { dictionary: GROUP_DICTIONARY }).toString('utf8');
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? (parsed as GroupMember[]) : [];
}

/** The ULID inside a delivery id (`dlv_<ulid>_<webhookId>`). */
export function ulidOfId(deliveryId: string): string {
  return deliveryId.slice(4, 30);
}

/** Sort key of a group (and of its refs): its newest member's ULID, then the flush that wrote it. */
export function groupSortKey(maxUlid: string, flush: string): string {
  return `DL#${maxUlid}~${flush}`;
}

/**
 * The tenant-index sort keys between which a flush lists an event whose time is `eventAtMs` (epoch
 * ms): its members' first attempts lie in the event window, its groups' keys at most a span above them,
 * its refs' keys at most a span above their groups'.
 */
export function eventWindowKeys(eventAtMs: number): { lowest: string; highest: string } {
  const low = Math.max(0, eventAtMs - EVENT_WINDOW_BEFORE_MS);
  const high = Math.min(eventAtMs + EVENT_WINDOW_AFTER_MS + 2 * GROUP_SPAN_MS, 2 ** 48 - 1);
  return { lowest: `DL#${encodeTime(low, 10)}`, highest: `DL#${encodeTime(high, 10)}~` };
}

/** Whether a first attempt at `ulid` lies in the window of an event at `eventAtMs`. */
export function isInEventWindow(ulid: string, eventAtMs: number): boolean {
  const time = timeOfUlid(ulid);
  return (
    time !== undefined &&
    time >= eventAtMs - EVENT_WINDOW_BEFORE_MS &&
    time <= eventAtMs + EVENT_WINDOW_AFTER_MS
  );
}

/** Epoch ms of a ULID, or undefined when it is not one. */
export function timeOfUlid(ulid: string): number | undefined {
  try {
    return decodeTime(ulid.slice(0, 26).padEnd(26, '0'));
  } catch {
    return undefined;
  }
}

/**
 * The highest sort key an item can have while holding a member whose key is at most `upper`
 * (`DL#<ulid>…`): members lie at most GROUP_SPAN_MS below their group's key.
 */
export function widenForGroups(upper: string): string {
  if (!upper.startsWith('DL#') || upper.length < 13) return upper;
  const time = timeOfUlid(upper.slice(3, 29));
  if (time === undefined) return upper;
  return `DL#${encodeTime(Math.min(time + GROUP_SPAN_MS, 2 ** 48 - 1), 10)}~`;
}

/**
 * The lowest member key that may still sit in an item not read yet, once a partition has been read newest
 * first down to sort key `sk`: every later item's members sort below it (`suffix` closes a tenant-list key).
 */
export function floorAfter(sk: string, suffix = ''): string {
  const cut = sk.indexOf('~', 3);
  return cut < 0 ? sk : `${sk.slice(0, cut)}${suffix}`;
}

/** Splits `sorted` (ascending by ULID) into runs within GROUP_SPAN_MS and at most `max` long. */
export function splitBySpan<T>(sorted: readonly T[], ulidOf: (item: T) => string, max: number): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let start = 0;
  for (const item of sorted) {
    const time = timeOfUlid(ulidOf(item)) ?? 0;
    if (run.length > 0 && (run.length >= max || time - start > GROUP_SPAN_MS)) {
      runs.push(run);
      run = [];
    }
    if (run.length === 0) start = time;
    run.push(item);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
