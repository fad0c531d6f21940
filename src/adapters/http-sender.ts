/**
 * The delivery sender on undici: one keep-alive Agent (a pool per origin), connect-time SSRF checks,
 * no redirects, and a hard per-attempt timeout. It sends at once: how many attempts may be in flight
 * to a webhook is the delivery admission's business (src/app/endpoint-circuits.ts), decided before a
 * request is built, so no request ever queues here behind another webhook's on the same host.
 */

import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { AttemptOutcome, DeliverySender, OutboundRequest } from '#domain/delivery-sender';
import { checkDestinationUrl } from '#domain/destination-policy';
import { describeCodedError, errorCodeOf } from '#domain/error-code';
import type { HostResolver } from '#domain/ports';
import { parseRetryAfter } from '#domain/retry-policy';
import { failedOnStaleConnection, traced } from './connection-reuse';
import { Agent, request } from './undici-parts';
import { createVettedConnector } from './vetted-connector';

export interface HttpSenderOptions {
  resolver: HostResolver;
  allowInsecureLocalhost: boolean;
  /** Extra trusted CAs, for tests against a self-signed receiver. */
  tls?: { ca?: string | Buffer };
}

/** Bodies whose bytes are kept for the next requests that send the same text. */
const SHARED_BODIES = 16;
const sharedBodies = new Map<string, Buffer>();

/**
 * The UTF-8 bytes of `body`, one Buffer for every request that sends the same text: the webhooks of
 * one group task send one body string (delivery-request.ts), and each converting its own copy held
 * ~256 KB per request in flight for the largest events (96 at once in one delivery invocation). The
 * most recent SHARED_BODIES bodies are kept; nothing writes into a request's body.
 */
export function bodyBytes(body: string): Buffer {
  let bytes = sharedBodies.get(body);
  if (bytes) return bytes;
  bytes = Buffer.from(body, 'utf8');
  sharedBodies.set(body, bytes);
  if (sharedBodies.size > SHARED_BODIES) {
    const [oldest] = sharedBodies.keys();
    if (oldest !== undefined) sharedBodies.delete(oldest);
  }
  return bytes;
}

/** The part of a response body an attempt keeps (failure logs show a snippet: docs/contract.md#deliveries). */
const SNIPPET_BYTES = 1024;
// Draining a modest remainder keeps the connection reusable; past this it is cheaper to drop it.
const DRAIN_LIMIT_BYTES = 64 * 1024;

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|ERR_OSSL_)|^EPROTO$/;

/** Answers that send the client elsewhere; a 304 (Not Modified) is just an answer that is not 2xx. */
const REDIRECT_STATUSES = new Set([300, 301, 302, 303, 307, 308]);

class AttemptTimeout extends Error {}

/** A DeliverySender over HTTP(S), to be closed on shutdown. */
export function createHttpSender(options: HttpSenderOptions): DeliverySender & { close(): Promise<void> } {
  const connect = createVettedConnector({
    resolver: options.resolver,
    allowInsecureLocalhost: options.allowInsecureLocalhost,
    ...(options.tls?.ca === undefined ? {} : { ca: options.tls.ca }),
  });
  const agent = new Agent({
    connect,
    // No per-origin connection cap: webhooks of many tenants share receiving hosts, and a cap here
    // would make one webhook's slow requests queue another's (docs/contract.md#isolation). Each webhook's own limit is
    // enforced before the request is built.
  });

  async function attempt(outbound: OutboundRequest, url: URL, timeoutMs: number): Promise<AttemptOutcome> {
    const startedAt = performance.now();
    const elapsed = () => Math.max(0, Math.round(performance.now() - startedAt));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AttemptTimeout()), timeoutMs);
    const options = {
      method: 'POST' as const,
      headers: outbound.headers,
      body: bodyBytes(outbound.body),
      signal: controller.signal,
    };
    let fresh: InstanceType<typeof Agent> | undefined;
    try {
      const first = traced(() => request(url, { dispatcher: agent, ...options }));
      let response: Awaited<typeof first.result>;
      try {
        response = await first.result;
      } catch (error) {
        if (controller.signal.aborted || !failedOnStaleConnection(error, first.trace)) throw error;
        // The receiver had closed the pooled connection before any answer: the sender's failure, not
        // the endpoint's. Sent again at once, once, on a connection of its own that nothing else reuses.
        fresh = new Agent({ connect });
        response = await request(url, { dispatcher: fresh, ...options, reset: true });
      }
      const { statusCode } = response;
      const responseSnippet = await readSnippet(
        response.body,
        response.headers['content-length'],
        response.headers['content-encoding'],
      );
      const outcome: AttemptOutcome = {
        isSuccess: statusCode >= 200 && statusCode < 300,
        statusCode,
        durationMs: 0,
      };
      if (responseSnippet !== '') outcome.responseSnippet = responseSnippet;
      if (REDIRECT_STATUSES.has(statusCode)) {
        const location = headerValue(response.headers.location);
        outcome.error = `redirect not followed: ${statusCode}${location ? ` to ${location}` : ' without a Location'}`;
      } else if (!outcome.isSuccess) {
        outcome.error = `endpoint answered ${statusCode}`;
      }
      if (statusCode === 429 || statusCode === 503) {
        const retryAfterSeconds = parseRetryAfter(headerValue(response.headers['retry-after']), new Date());
        if (retryAfterSeconds !== undefined) outcome.retryAfterSeconds = retryAfterSeconds;
      }
      outcome.durationMs = elapsed();
      return outcome;
    } catch (error) {
      const timedOut = controller.signal.reason instanceof AttemptTimeout;
      if (!timedOut && isRequestRefusedByClient(error)) {
        return {
          isSuccess: false,
          isSenderFailure: true,
          error: `not sent: the request could not be built (${describeFailure(error)})`,
          durationMs: elapsed(),
        };
      }
      return {
        isSuccess: false,
        error: timedOut ? `timeout after ${timeoutMs} ms` : describeFailure(error),
        durationMs: elapsed(),
      };
    } finally {
      clearTimeout(timer);
      if (fresh !== undefined) void fresh.close().catch(() => undefined);
    }
  }

  return {
    async send(outbound, { timeoutMs }) {
      // Defence in depth: the URL was checked when the webhook was saved, but rules may have tightened.
      const urlProblem = checkDestinationUrl(outbound.url, {
        allowInsecureLocalhost: options.allowInsecureLocalhost,
      });
      if (urlProblem !== null) {
        return {
          isSuccess: false,
          isSenderFailure: true,
          error: `not sent: destination URL ${urlProblem}`,
          durationMs: 0,
        };
      }
      return attempt(outbound, new URL(outbound.url), timeoutMs);
    },
    async close() {
      await agent.close();
    },
  };
}

/**
 * The first SNIPPET_BYTES of a body as text. The rest is read and dropped up to DRAIN_LIMIT_BYTES
 * (so the connection can be reused), beyond that the body is destroyed. A body that fails after
 * the status arrived does not change the outcome: the status is the endpoint's answer. A body in
 * gzip, deflate or br is decoded (the sender asks for no encoding, yet error pages of proxies and
 * frameworks come compressed): its first COMPRESSED_KEEP_BYTES are kept and at most SNIPPET_BYTES
 * are decoded from them, so a small bomb cannot make a large snippet.
 */
async function readSnippet(
  body: AsyncIterable<Buffer>,
  contentLength: unknown,
  contentEncoding: unknown,
): Promise<string> {
  const encoding = headerValue(contentEncoding as string | string[] | undefined)
    ?.trim()
    .toLowerCase();
  const decoder = encoding === undefined ? undefined : DECODERS[encoding];
  const keep = decoder === undefined ? SNIPPET_BYTES : COMPRESSED_KEEP_BYTES;
  const chunks: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  const declared = Number(headerValue(contentLength as string | string[] | undefined) ?? Number.NaN);
  const isWorthDraining = !(declared > DRAIN_LIMIT_BYTES);
  try {
    for await (const chunk of body) {
      seen += chunk.length;
      if (kept < keep) {
        const part = chunk.subarray(0, keep - kept);
        chunks.push(part);
        kept += part.length;
      }
      // Leaving the loop destroys the body, and with it this connection.
      if (kept >= keep && (!isWorthDraining || seen > DRAIN_LIMIT_BYTES)) break;
    }
  } catch {
    // Keep what arrived.
  }
  const raw = Buffer.concat(chunks);
  const decoded = decoder === undefined ? raw : await decodeStart(raw, decoder);
  // A cut multi-byte character becomes U+FFFD rather than failing.
  return decoded.toString('utf8');
}

/** Of a compressed body, how much is kept to decode a snippet from. */
const COMPRESSED_KEEP_BYTES = 16 * 1024;

const DECODERS: Record<string, () => Transform> = {
  gzip: () => createGunzip(),
  'x-gzip': () => createGunzip(),
  // HTTP's "deflate" is zlib-wrapped; createUnzip would not take raw deflate either, so zlib it is.
  deflate: () => createInflate(),
  br: () => createBrotliDecompress(),
};

/**
 * The first SNIPPET_BYTES that `compressed` (possibly cut short) decodes to; the raw bytes when it
 * decodes to nothing (a wrong Content-Encoding), so the snippet still shows what came.
 */
async function decodeStart(compressed: Buffer, decoder: () => Transform): Promise<Buffer> {
  const stream = decoder();
  const out: Buffer[] = [];
  let size = 0;
  stream.end(compressed);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      out.push(chunk);
      size += chunk.length;
      if (size >= SNIPPET_BYTES) break;
    }
  } catch {
    // Cut short or corrupt: keep what decoded.
  } finally {
    stream.destroy();
  }
  if (size === 0) return compressed.subarray(0, SNIPPET_BYTES);
  return Buffer.concat(out).subarray(0, SNIPPET_BYTES);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Did the HTTP client refuse the request before anything went on the wire (a header it will not
 * send, an argument it rejects)? Such a failure is the sender's, not the endpoint's.
 */
function isRequestRefusedByClient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = 'code' in error ? String(error.code) : '';
  return code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED' || code === 'ERR_INVALID_CHAR';
}

/** A short, readable reason for a failed attempt, for failure logs and the test route. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return `request failed: ${String(error)}`;
  const code = errorCodeOf(error) ?? '';
  const causeCode = errorCodeOf(error.cause) ?? '';
  if (code === 'ERR_DESTINATION_REFUSED' || code === 'ERR_DESTINATION_UNRESOLVED') return error.message;
  if (code === 'ECONNREFUSED' || causeCode === 'ECONNREFUSED') return 'connection refused';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connection timed out';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') {
    return `connection reset by the endpoint (${error.message})`;
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `host unreachable (${code})`;
  if (TLS_CODE.test(code) || TLS_CODE.test(causeCode)) return `TLS error: ${error.message}`;
  if (code === 'UND_ERR_INVALID_ARG') return `invalid request: ${error.message}`;
  return describeCodedError(error);
}
