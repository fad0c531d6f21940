/** `npm start`: the whole service on this machine, until Ctrl-C. */
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

main().catch((error: unknown) => {
  process.stderr.write(
    `chat-webhooks failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
