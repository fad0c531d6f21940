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
  /** True when `admit` refused the attempt: nothing went on the wire, so it tells nothing about the endpoint. */
  isNotSent?: boolean;
}

/** How to send one attempt. */
export interface SendOptions {
  timeoutMs: number;
  /**
   * Asked once, right before the request goes on the wire (after any wait for a per-endpoint slot);
   * false means do not send (a circuit opened meanwhile) and resolve with `isNotSent`.
   */
  admit?: () => boolean;
}

/** Sends one attempt; resolves with its outcome even when the attempt failed. */
export interface DeliverySender {
  send(request: OutboundRequest, options: SendOptions): Promise<AttemptOutcome>;
}
