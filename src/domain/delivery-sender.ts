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
  /**
   * True when the sender could not build or send the request at all (a setting the HTTP client
   * refuses, a URL the rules no longer allow): nothing went on the wire, so the outcome says nothing
   * about the endpoint and must not count against its circuit or its webhook's health (docs/contract.md#isolation).
   */
  isSenderFailure?: boolean;
}

/** How to send one attempt. */
export interface SendOptions {
  timeoutMs: number;
}

/** Sends one attempt; resolves with its outcome even when the attempt failed. */
export interface DeliverySender {
  send(request: OutboundRequest, options: SendOptions): Promise<AttemptOutcome>;
}
