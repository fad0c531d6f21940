/**
 * A bare HTTP/1.1 client for hostile-input tests: sends any method, path, repeated headers and raw
 * bytes (invalid UTF-8 included) that `fetch` would normalise or refuse. Loopback targets only.
 */
import { request } from 'node:http';

export interface RawRequest {
  method: string;
  /** The request target as sent, e.g. `/v1/webhooks?limit=5`. */
  path: string;
  /** An array value sends the header once per element (repeated headers). */
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Sends one request to `baseUrl` (an http://127.0.0.1 or [::1] address) and reads the whole answer. */
export function sendRaw(baseUrl: string, raw: RawRequest): Promise<RawResponse> {
  const target = new URL(baseUrl);
  if (target.hostname !== '127.0.0.1' && target.hostname !== '[::1]') {
    throw new Error(`sendRaw only talks to loopback, not ${target.hostname}`);
  }
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port,
        method: raw.method,
        path: raw.path,
        agent: false,
        setHost: true,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    for (const [name, value] of Object.entries(raw.headers ?? {})) outgoing.setHeader(name, value);
    if (raw.body !== undefined) outgoing.setHeader('content-length', Buffer.byteLength(raw.body));
    outgoing.end(raw.body);
  });
}

/** Why `response` breaks the error contract (docs/contract.md#admin-api) (`{ error: { code, message, details? } }`), or null. */
export function errorShapeProblem(response: RawResponse): string | null {
  if (response.status < 400) return null;
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return `status ${response.status} with a non-JSON body: ${response.text.slice(0, 200)}`;
  }
  const error = (body as { error?: unknown } | null)?.error as Record<string, unknown> | undefined;
  if (typeof error !== 'object' || error === null) return `status ${response.status} without an error object`;
  if (typeof error.code !== 'string' || error.code === '') return 'error.code is not a non-empty string';
  if (typeof error.message !== 'string' || error.message === '')
    return 'error.message is not a non-empty string';
  if (error.details !== undefined && !Array.isArray(error.details)) return 'error.details is not an array';
  const extra = Object.keys(error).filter((key) => !['code', 'message', 'details'].includes(key));
  if (extra.length > 0) return `error has unexpected keys ${extra.join(', ')}`;
  return null;
}
