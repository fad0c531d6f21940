/** The memory sizes the cost model bills, read from the CDK stack's own sizing table. */

import { FUNCTION_SIZING } from '#lib/function-sizing';
import type { LocalFunctionName } from '#local/runtime';

/** Configured memory (MiB) of each function the pipeline runs. */
export const MEMORY_MB: Record<LocalFunctionName, number> = {
  'fan-out': FUNCTION_SIZING.fanOut.memorySize,
  delivery: FUNCTION_SIZING.delivery.memorySize,
  'dlq-processor': FUNCTION_SIZING.dlqProcessor.memorySize,
};
