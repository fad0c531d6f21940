/**
 * What a header name and value may be made of (docs/contract.md#admin-api): shared by custom headers and by
 * the authentication kinds that send a credential as a header value.
 */
import * as z from 'zod';

/** RFC 9110 token: what a header name may be made of. */
export const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * What a header value may be so that the receiver gets exactly it (docs/contract.md#admin-api): visible ASCII,
 * space and tab, nothing else (controls would smuggle or break the request head; non-ASCII is not
 * sendable as typed), and no whitespace at either end (receivers strip it, so it would not arrive).
 */
const SENDABLE_HEADER_VALUE = /^(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?$/;
export const HEADER_VALUE_RULE =
  'must be visible ASCII characters, spaces and tabs, without whitespace at either end';

/** Is `value` a header value the HTTP client sends and the receiver reads back unchanged? */
export function isSendableHeaderValue(value: string): boolean {
  return SENDABLE_HEADER_VALUE.test(value);
}

/** A credential sent as a header value as it is (bearer token, api-key value): the header value rule. */
export const secretHeaderValue = (max: number) =>
  z.string().min(1).max(max).refine(isSendableHeaderValue, HEADER_VALUE_RULE).meta({ writeOnly: true });
