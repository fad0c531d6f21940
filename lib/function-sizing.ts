/**
 * Memory and timeout of each Lambda function. Shared by both stacks because the stateful stack
 * sizes queue visibility timeouts from the timeouts of the functions that consume the queues.
 */
import { Duration } from 'aws-cdk-lib';

/** Memory (MiB) and timeout of one function. */
export interface FunctionSizing {
  readonly memorySize: number;
  readonly timeout: Duration;
}

export const FUNCTION_SIZING = {
  api: { memorySize: 512, timeout: Duration.seconds(15) },
  fanOut: { memorySize: 512, timeout: Duration.seconds(30) },
  // 256 MiB (was 1,024): a delivery invocation mostly waits for receivers, and Lambda bills that wait
  // at the configured memory. Measured (bench/RESULTS.md, issue 14): at 200 ms receiver latency the
  // delivery function costs ~$0.30 per million deliveries at 1,024 MiB, ~$0.09 at 256, ~$0.06 at 128;
  // 128 MiB was not taken because the delivery bundle alone is ~63 MiB resident after import and its
  // CPU (cold start, TLS handshakes) runs at 1/14 of a vCPU there.
  delivery: { memorySize: 256, timeout: Duration.seconds(60) },
  dlqProcessor: { memorySize: 256, timeout: Duration.seconds(30) },
  fanOutDlqProcessor: { memorySize: 256, timeout: Duration.seconds(30) },
  // One consistent GetItem per portal request (the session) and one for its tenant's generation.
  portalAuthorizer: { memorySize: 256, timeout: Duration.seconds(5) },
} as const satisfies Record<string, FunctionSizing>;

/**
 * The delivery function's SQS event source (figures: bench/RESULTS.md, issue 14).
 * - batchSize 10: the most SQS allows without a batching window. Every record of a batch is delivered
 *   at once (concurrency inside one invocation = the batch), so an invocation lasts about one
 *   receiver answer whatever the batch size: 10 records share that billed wait.
 * - maxBatchingWindowSeconds 0: a window is whole seconds (1 to 300); with one, Lambda holds a batch
 *   until it is full or the window ends, which adds up to that long to every delivery while traffic
 *   is below batchSize per poller per window (quiet hours: almost all of them).
 */
export const DELIVERY_EVENT_SOURCE = { batchSize: 10, maxBatchingWindowSeconds: 0 } as const;

/**
 * AWS guidance for SQS event sources: the queue's visibility timeout is at least six times the
 * consuming function's timeout, so a message is not redelivered while a throttled or retried
 * invocation still holds it.
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** The visibility timeout a queue needs when a function with `functionTimeout` consumes it. */
export function visibilityTimeoutFor(functionTimeout: Duration): Duration {
  return Duration.seconds(functionTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR);
}
