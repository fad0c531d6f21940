/** `npm start`: the whole service on this machine, until Ctrl-C. */
// First: before any module loads the AWS SDK.
import './quiet-sdk-warning';
import { loadConfig } from '#config';
import { startLocalRuntime } from './runtime';
import { startupBanner } from './startup-banner';

async function main(): Promise<void> {
  const config = loadConfig();
  const runtime = await startLocalRuntime({ config });
  process.stdout.write(startupBanner(config, runtime));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write(`\n${signal}: finishing in-flight work and stopping…\n`);
    runtime.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** True when `error` or any error it wraps says the disk is full. */
function isDiskFull(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (
    code === 'ENOSPC' ||
    (typeof message === 'string' && /ENOSPC|no space left|disk is full/i.test(message))
  )
    return true;
  return isDiskFull(cause, depth + 1);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const dataDir = process.env.DATA_DIR?.trim() || '.data';
  process.stderr.write(
    isDiskFull(error)
      ? `chat-webhooks failed to start: the disk holding DATA_DIR ${dataDir} is full (no space left on device). Free some space or choose another DATA_DIR, then start again.\n  (${message})\n`
      : `chat-webhooks failed to start: ${message}\n`,
  );
  process.exit(1);
});
