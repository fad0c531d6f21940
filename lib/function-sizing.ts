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
  delivery: { memorySize: 1024, timeout: Duration.seconds(60) },
  dlqProcessor: { memorySize: 256, timeout: Duration.seconds(30) },
  fanOutDlqProcessor: { memorySize: 256, timeout: Duration.seconds(30) },
} as const satisfies Record<string, FunctionSizing>;

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
