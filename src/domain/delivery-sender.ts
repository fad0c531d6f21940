/** The port that puts one delivery attempt on the wire, and what it reports back. */

/** One HTTP POST, fully built and signed. */
export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** How one attempt went; failures are values, never exceptions. */
export interface AttemptOutcome {
  isSuccess: boolean;
  statusCode?: number;
  error?: string;
  durationMs: number;
  /** At most the first 1 KiB of the response body. */
  responseSnippet?: string;
  /** Only from a 429 or 503 response's Retry-After. */
  retryAfterSeconds?: number;
}

/** Sends one attempt; resolves with its outcome even when the attempt failed. */
export interface DeliverySender {
  send(request: OutboundRequest, options: { timeoutMs: number }): Promise<AttemptOutcome>;
}
