/**
 * Sort keys that order records by creation time: the ULID inside an id such as `fl_01J…`
 * (ULIDs sort by their timestamp, so newest first is a descending Query).
 */
import { ulid } from 'ulid';

const PREFIXED_ULID = /^(?:[a-z]+_)?([0-9A-HJKMNP-TV-Z]{26})$/i;

/**
 * The time-sortable part of `id`. An id without a ULID sorts by a new ULID of `at` (ISO 8601)
 * when given, or else by itself, so that lookups by id can still compute the key.
 */
export function sortableIdPart(id: string, at?: string): string {
  const match = PREFIXED_ULID.exec(id);
  if (match?.[1]) return match[1].toUpperCase();
  if (at === undefined) return id;
  const time = Date.parse(at);
  return ulid(Number.isNaN(time) ? Date.now() : time);
}
