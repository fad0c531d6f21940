/** `npm start`: the whole service on this machine, until Ctrl-C. */
import { loadConfig } from '#config';
import { startLocalRuntime } from './runtime';

async function main(): Promise<void> {
  const config = loadConfig();
  const runtime = await startLocalRuntime({ config });
  const lines = [
    '',
    `chat-webhooks is running (local runtime, Node ${process.version})`,
    `  admin console  ${runtime.url}/   (sign in with an admin token)`,
    `  admin API      ${runtime.url}/v1   (OpenAPI: ${runtime.url}/v1/openapi.json)`,
    `  health         ${runtime.url}/health`,
    `  event ingest   ${runtime.url}   (EventBridge PutEvents, bus "${config.EVENT_BUS_NAME}")`,
    `  data directory ${runtime.dataDir}`,
    `  retry schedule ${config.RETRY_SCHEDULE.join(',')} s; per-attempt timeout ${config.DELIVERY_TIMEOUT_MS} ms`,
    `  deliveries     ${config.LOCAL_DELIVERY_THREADS === 0 ? 'on the main thread' : `${config.LOCAL_DELIVERY_THREADS} worker thread(s)`} (LOCAL_DELIVERY_THREADS)`,
    config.ALLOW_INSECURE_LOCALHOST
      ? '  ALLOW_INSECURE_LOCALHOST=true: http:// loopback destinations are allowed'
      : '',
    '  admin tokens:',
    ...runtime.tokens.map(
      (token) => `    tenant ${token.tenantId.padEnd(16)} Authorization: Bearer ${token.token}`,
    ),
    '',
    `  try: curl -H 'Authorization: Bearer ${runtime.tokens[0]?.token}' ${runtime.url}/v1/event-types`,
    '',
  ].filter((line, index, all) => line !== '' || all[index - 1] !== '');
  process.stdout.write(`${lines.join('\n')}\n`);

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
