/**
 * What `npm start` prints once the service is up. Tokens given in ADMIN_TOKENS are the operator's
 * secrets and never printed (docs/contract.md#local-runtime): terminals are scrolled back, screen-shared and logged.
 * Only the dev token the service generated itself is shown, since nobody else knows it.
 */
import type { Config } from '#config';
import type { AdminToken } from './admin-tokens';
import type { LocalAwsKey } from './aws-caller-key';

/** The banner lines for a started runtime; `pid` is the process to signal to stop it. */
export function startupBanner(
  config: Pick<
    Config,
    | 'EVENT_BUS_NAME'
    | 'RETRY_SCHEDULE'
    | 'DELIVERY_TIMEOUT_MS'
    | 'LOCAL_DELIVERY_THREADS'
    | 'ALLOW_INSECURE_LOCALHOST'
  >,
  runtime: {
    url: string;
    sqsUrl?: string;
    dataDir: string;
    tokens: readonly AdminToken[];
    awsKey: LocalAwsKey;
  },
  nodeVersion = process.version,
  pid = process.pid,
): string {
  const generated = runtime.tokens.find((token) => token.isGenerated);
  const tokenLines = generated
    ? [
        '  admin token (generated; set ADMIN_TOKENS to choose your own):',
        `    tenant ${generated.tenantId.padEnd(16)} Authorization: Bearer ${generated.token}`,
        '',
        `  try: curl -H 'Authorization: Bearer ${generated.token}' ${runtime.url}/v1/event-types`,
      ]
    : [
        `  admin tokens   from ADMIN_TOKENS (not printed), for tenant(s): ${[...new Set(runtime.tokens.map((token) => token.tenantId))].join(', ')}`,
        '',
        `  try: curl -H "Authorization: Bearer <your token>" ${runtime.url}/v1/event-types`,
      ];
  const lines = [
    '',
    `chat-webhooks is running (local runtime, Node ${nodeVersion})`,
    `  admin console  ${runtime.url}/   (sign in with an admin token)`,
    `  admin API      ${runtime.url}/v1   (OpenAPI: ${runtime.url}/v1/openapi.json)`,
    `  health         ${runtime.url}/health`,
    `  event ingest   ${runtime.url}   (EventBridge PutEvents, bus "${config.EVENT_BUS_NAME}")`,
    // Made by the service for this DATA_DIR (like the dev token), so nobody else knows it: shown.
    `  ingest key     SigV4-sign PutEvents${runtime.sqsUrl ? ' and local SQS calls' : ''} with this DATA_DIR's key pair:`,
    `    AWS_ACCESS_KEY_ID=${runtime.awsKey.accessKeyId} AWS_SECRET_ACCESS_KEY=${runtime.awsKey.secretAccessKey}`,
    `  data directory ${runtime.dataDir}`,
    ...(runtime.sqsUrl ? [`  local SQS      ${runtime.sqsUrl}   (LOCAL_SQS_PORT; 127.0.0.1 only)`] : []),
    `  retry schedule ${config.RETRY_SCHEDULE.join(',')} s (each delay ±20 %); per-attempt timeout ${config.DELIVERY_TIMEOUT_MS} ms`,
    `  deliveries     ${config.LOCAL_DELIVERY_THREADS === 0 ? 'on the main thread' : `${config.LOCAL_DELIVERY_THREADS} worker thread(s)`} (LOCAL_DELIVERY_THREADS)`,
    ...(config.ALLOW_INSECURE_LOCALHOST
      ? ['  ALLOW_INSECURE_LOCALHOST=true: http:// loopback destinations are allowed']
      : []),
    // This process's own pid: `kill` of `npm start`'s pid (what `$!` or ps shows) ends npm and the
    // shell but leaves the service running, still holding its port and DATA_DIR.
    `  logs           JSON lines on stdout and stderr; stop with Ctrl-C (or kill ${pid})`,
    ...tokenLines,
    '',
  ].filter((line, index, all) => line !== '' || all[index - 1] !== '');
  return `${lines.join('\n')}\n`;
}
