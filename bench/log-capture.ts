import { createWriteStream } from 'node:fs';

/**
 * Keeps the service's log lines (Powertools writes them to stdout) out of the benchmark's output,
 * counting their bytes instead: CloudWatch Logs bills ingestion by the byte.
 */

/** A capture of stdout until `restore()`. */
export interface LogCapture {
  bytes(): number;
  restore(): void;
}

/** Replaces stdout's write with a byte counter; with `file`, the lines are also appended there. */
export function captureServiceLogs(file?: string): LogCapture {
  const sink = file ? createWriteStream(file, { flags: 'a' }) : undefined;
  const originalWrite = process.stdout.write;
  let bytes = 0;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    sink?.write(chunk);
    const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  captured = {
    bytes: () => bytes,
    restore: () => {
      process.stdout.write = originalWrite;
      sink?.end();
    },
  };
  return captured;
}

let captured: LogCapture | undefined;

/** Bytes logged so far by the service (0 when nothing is captured). */
export function loggedBytes(): number {
  return captured?.bytes() ?? 0;
}
