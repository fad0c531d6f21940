/**
 * BatchWriteItem in chunks of 25 (the API's limit), resending UnprocessedItems with exponential
 * backoff and jitter as AWS asks: a batch can succeed while some of its writes were throttled.
 */
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { systemRandom } from '#adapters/system-random';
import type { RandomSource } from '#domain/ports';

export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const BATCH_SIZE = 25;

export interface BatchWriteOptions {
  /** Sends per chunk, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The jitter's draws (the random port); the real one when absent. */
  random?: RandomSource;
}

/** Some writes were still unprocessed after every retry (sustained throttling). */
export class UnprocessedWritesError extends Error {
  constructor(readonly unprocessedCount: number) {
    super(`${unprocessedCount} DynamoDB writes stayed unprocessed after retries`);
    this.name = 'UnprocessedWritesError';
  }
}

/** Writes every request to `tableName`, retrying the unprocessed ones; throws if some never go through. */
export async function batchWrite(
  client: DynamoDBDocumentClient,
  tableName: string,
  requests: WriteRequest[],
  options: BatchWriteOptions = {},
): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let index = 0; index < requests.length; index += BATCH_SIZE) {
    chunks.push(requests.slice(index, index + BATCH_SIZE));
  }
  await Promise.all(chunks.map((chunk) => writeChunk(client, tableName, chunk, options)));
}

async function writeChunk(
  client: DynamoDBDocumentClient,
  tableName: string,
  chunk: WriteRequest[],
  { maxAttempts = 8, baseDelayMs = 25, maxDelayMs = 2_000, random = systemRandom }: BatchWriteOptions,
): Promise<void> {
  let pending = chunk;
  for (let attempt = 1; ; attempt++) {
    const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
    pending = result.UnprocessedItems?.[tableName] ?? [];
    if (pending.length === 0) return;
    if (attempt >= maxAttempts) throw new UnprocessedWritesError(pending.length);
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + random() * (ceiling / 2)));
  }
}
