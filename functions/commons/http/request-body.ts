/**
 * Reading a route's JSON body. Our own, not `@middy/http-json-body-parser`, because that parser
 * answers differently from the API's contract (docs/contract.md#admin-api, #security): it refuses an empty body and
 * any body without a JSON content type (routes such as `/activate` take none), answers malformed JSON
 * with 415 instead of 400 naming the body, matches the content type case-sensitively, has no size
 * limit (ours: 413 over 256 KiB), and would parse before the query is checked.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MAX_BODY_BYTES } from '#app/admin-api';
import { ValidationError } from '#domain/errors';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './request-errors';

/**
 * The body as JSON, undefined when empty. Throws PayloadTooLargeError (over MAX_BODY_BYTES, counted
 * after base64 decoding), UnsupportedMediaTypeError (a body not declared `application/json` or
 * `application/*+json`) or ValidationError (not UTF-8, or not one well-formed JSON document).
 */
export function readJsonBody(event: APIGatewayProxyEventV2): unknown {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`Request body is ${bytes.length} bytes; the limit is ${MAX_BODY_BYTES}`);
  }
  if (bytes.length === 0) return undefined;
  const contentType = headerValue(event.headers ?? {}, 'content-type') ?? '';
  if (!/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(contentType)) {
    throw new UnsupportedMediaTypeError('Request bodies must be JSON (content-type: application/json)');
  }
  let text: string;
  try {
    // JSON between systems is UTF-8 (RFC 8259 §8.1). Decoded leniently, a broken sequence became
    // U+FFFD and a name the client never sent was stored; a lone surrogate escaped as `\ud800` is
    // refused by the field rules, so its raw UTF-8 form is refused here.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationError('Request body is not valid UTF-8', [
      { field: 'body', message: 'must be UTF-8 text (RFC 8259): a byte sequence is not well-formed' },
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError('Request body is not valid JSON', [
      { field: 'body', message: error instanceof Error ? error.message : 'malformed JSON' },
    ]);
  }
}

/** Refuses a body on a route that takes none; `{}` counts as none (clients send it by habit). */
export function refuseBody(body: unknown): void {
  const isEmpty =
    body === undefined ||
    (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
  if (!isEmpty)
    throw new ValidationError('This route takes no request body', [
      { field: 'body', message: 'must be empty' },
    ]);
}

/** Refuses any query parameter on a route that takes none, naming each. */
export function refuseQuery(query: Record<string, string | undefined>): void {
  const names = Object.keys(query);
  if (names.length > 0) {
    throw new ValidationError(
      `Unknown query parameter: ${names[0]}`,
      names.map((name) => ({ field: name, message: 'unknown query parameter' })),
    );
  }
}

function headerValue(headers: Record<string, string | undefined>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}
