/**
 * `npm run verify`: checks a deployed service (or the local runtime) end to end and prints a checklist.
 *
 *   npm run verify -- --stack ChatWebhooksService [--region eu-west-1] [--token <admin JWT>]
 *   npm run verify -- --api-url https://… --event-bus chat-events [--console-origin https://…] …
 *   npm run verify -- --local http://127.0.0.1:3000 --token <dev token> --tenant default
 *
 * Exit code 0 when nothing failed (skipped checks say why), 1 otherwise, 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { CONFIG_DEFAULTS } from '#config';
import { readLocalAwsKey } from '#local/aws-caller-key';
import { type CheckResult, runVerify, targetFromStacks, type VerifyTarget } from './verify-checks';

const USAGE =
  'usage: npm run verify -- (--stack <service stack> | --api-url <url> --event-bus <name> | --local <url>)\n' +
  '  [--region <region>] [--token <bearer token>] [--tenant <id>] [--tenant-claim <claim>]\n' +
  '  [--console-origin <https origin>] [--alarm-topic-arn <arn>] [--delivery-function <name>] [--timeout <s>]';

/** The checklist as printed: one line per check, advice under each failure, a summary line last. */
export function formatChecklist(target: string, results: readonly CheckResult[]): string {
  const mark = { pass: '✔', fail: '✘', skip: '–' } as const;
  const lines = [`chat-webhooks verify: ${target}`];
  for (const result of results) {
    lines.push(`  ${mark[result.status]} ${result.name}: ${result.detail}`);
    if (result.advice) lines.push(`      → ${result.advice}`);
  }
  const count = (status: CheckResult['status']) =>
    results.filter((result) => result.status === status).length;
  lines.push(`${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: Object.fromEntries(
        [
          'stack',
          'region',
          'token',
          'tenant',
          'tenant-claim',
          'api-url',
          'event-bus',
          'console-origin',
          'alarm-topic-arn',
          'delivery-function',
          'local',
          'timeout',
        ].map((name) => [name, { type: 'string' as const }]),
      ),
      strict: true,
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const region =
    values.region ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION ??
    process.env.CDK_DEFAULT_REGION;
  let target: VerifyTarget;
  let label: string;
  if (values.local) {
    // The local ingest answers only calls signed with the key `npm start` made under its DATA_DIR.
    const dataDir = process.env.DATA_DIR?.trim() || CONFIG_DEFAULTS.DATA_DIR;
    const key = await readLocalAwsKey(dataDir);
    if (!key) {
      console.error(
        `no access key pair under DATA_DIR ${dataDir}: start the service there first, or set DATA_DIR to the service's\n${USAGE}`,
      );
      return 2;
    }
    target = {
      apiUrl: values.local,
      eventsEndpoint: values.local,
      eventBusName: values['event-bus'] ?? CONFIG_DEFAULTS.EVENT_BUS_NAME,
      region: 'us-east-1',
      credentials: key,
    };
    label = `local runtime at ${values.local}`;
  } else if (values.stack || values['api-url']) {
    if (!region) {
      console.error(`no region: pass --region or set AWS_REGION\n${USAGE}`);
      return 2;
    }
    const fromStack = values.stack ? await targetFromStacks(values.stack, region) : undefined;
    const apiUrl = values['api-url'] ?? fromStack?.apiUrl;
    const eventBusName = values['event-bus'] ?? fromStack?.eventBusName;
    if (!apiUrl || !eventBusName) {
      console.error(`--api-url needs --event-bus too\n${USAGE}`);
      return 2;
    }
    const optional = (key: keyof VerifyTarget, value: string | undefined) => (value ? { [key]: value } : {});
    target = {
      ...fromStack,
      apiUrl,
      eventBusName,
      region,
      ...optional('consoleOrigin', values['console-origin']),
      ...optional('alarmTopicArn', values['alarm-topic-arn']),
      ...optional('deliveryFunctionName', values['delivery-function']),
    };
    label = values.stack ? `stack ${values.stack} (${region})` : apiUrl;
  } else {
    console.error(USAGE);
    return 2;
  }
  const results = await runVerify(target, {
    ...(values.token ? { token: values.token } : {}),
    ...(values.tenant ? { tenant: values.tenant } : {}),
    ...(values['tenant-claim'] ? { tenantClaim: values['tenant-claim'] } : {}),
    ...(values.timeout ? { eventTimeoutMs: Number(values.timeout) * 1000 } : {}),
  });
  console.log(formatChecklist(label, results));
  return results.some((result) => result.status === 'fail') ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
