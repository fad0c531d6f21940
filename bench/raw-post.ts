/**
 * The ceiling: a plain keep-alive POST loop into the same receiver, with the same payload size and
 * the same number of connections the service's sender may open to one destination.
 */
import { Pool } from 'undici';

export interface RawPostOptions {
  origin: string;
  body: string;
  headers: Record<string, string>;
  concurrency: number;
  /** Names this loop's requests apart from another loop's. */
  label: string;
  durationMs: number;
  onProgress?: (completed: number) => void;
}

/** Runs the loop for `durationMs`; resolves with completed requests per second. */
export async function measureRawPosts(
  options: RawPostOptions,
): Promise<{ requests: number; perSecond: number }> {
  const pool = new Pool(options.origin, { connections: options.concurrency, pipelining: 1 });
  let completed = 0;
  const startedAt = performance.now();
  const deadline = startedAt + options.durationMs;
  const worker = async (workerIndex: number): Promise<void> => {
    for (let sequence = 0; performance.now() < deadline; sequence++) {
      const response = await pool.request({
        path: '/raw',
        method: 'POST',
        headers: { ...options.headers, 'webhook-id': `raw_${options.label}_${workerIndex}_${sequence}` },
        body: options.body,
      });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`the receiver answered ${response.statusCode}`);
      completed += 1;
      if (completed % 500 === 0) options.onProgress?.(completed);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  await pool.close();
  return { requests: completed, perSecond: completed / elapsedSeconds };
}
