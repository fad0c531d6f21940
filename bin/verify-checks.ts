/**
 * The checks of `npm run verify`: one live service, end to end, as its users meet it. Each check
 * answers pass, fail (with what it means and what to do) or skip (with why), and never throws.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetAccountSettingsCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CONFIG_DEFAULTS } from '#config';
import { CHAT_EVENT_SOURCE } from '#domain/chat-event-rules';

/** Where the service is and how to reach it. */
export interface VerifyTarget {
  /** Base URL of the admin API (`AdminApiUrl`, or the local runtime's URL). */
  readonly apiUrl: string;
  /** The console's origin, for the CORS preflight; undefined skips the check (the local console is same-origin). */
  readonly consoleOrigin?: string;
  /** The bus the platform publishes to. */
  readonly eventBusName: string;
  /** EventBridge endpoint; undefined: AWS's for the region. */
  readonly eventsEndpoint?: string;
  readonly region: string;
  /** The alarm topic; undefined skips the subscription check. */
  readonly alarmTopicArn?: string;
  /** The delivery function; undefined skips the concurrency check. */
  readonly deliveryFunctionName?: string;
  /** Static credentials (the local runtime's ingest takes any); undefined: the SDK's default chain. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** What the user supplies. */
export interface VerifyInputs {
  /** A bearer token of an admin (a JWT from the issuer, or a local token); undefined skips the authorised checks. */
  readonly token?: string;
  /** The token's tenant; default: the JWT's `tenantClaim` claim. */
  readonly tenant?: string;
  /** @default 'tenant_id' */
  readonly tenantClaim?: string;
  /** How long to wait for the published event to be recorded. @default 60 s */
  readonly eventTimeoutMs?: number;
}

/** One line of the checklist. */
export interface CheckResult {
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  /** What was seen. */
  readonly detail: string;
  /** On a failure: what it means and what to do. */
  readonly advice?: string;
}

const AUTHORIZED_METHODS = ['GET', 'POST', 'PATCH', 'DELETE'];

/** Reads a deployed service's target from the outputs of its two stacks. */
export async function targetFromStacks(serviceStack: string, region: string): Promise<VerifyTarget> {
  const client = new CloudFormationClient({ region });
  try {
    const outputsOf = async (stackName: string) => {
      const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
      return Object.fromEntries(
        (Stacks[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]),
      );
    };
    const service = await outputsOf(serviceStack);
    const stateful = await outputsOf(serviceStack.replace(/Service$/, 'Stateful'));
    const apiUrl = service.AdminApiUrl;
    if (!apiUrl) throw new Error(`stack ${serviceStack} has no AdminApiUrl output: is it the service stack?`);
    const busArn = stateful.EventBusArn ?? '';
    return {
      apiUrl,
      region,
      eventBusName: stateful.EventBusName ?? busArn.split('/').at(-1) ?? CONFIG_DEFAULTS.EVENT_BUS_NAME,
      ...(service.AdminConsoleUrl ? { consoleOrigin: service.AdminConsoleUrl } : {}),
      ...(service.AlarmTopicArn ? { alarmTopicArn: service.AlarmTopicArn } : {}),
      ...(service.DeliveryFunctionName ? { deliveryFunctionName: service.DeliveryFunctionName } : {}),
    };
  } finally {
    client.destroy();
  }
}

function url(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

async function check(name: string, run: () => Promise<Omit<CheckResult, 'name'>>): Promise<CheckResult> {
  try {
    return { name, ...(await run()) };
  } catch (error) {
    return {
      name,
      status: 'fail',
      detail: `could not run: ${(error as Error).message}`,
      advice:
        'Check the URL or stack name, your network and your AWS credentials and region, then run again.',
    };
  }
}

/** The tenant a JWT names in `claim` (read, not verified: the API verifies it). */
export function tenantOfToken(token: string, claim: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    return typeof claims[claim] === 'string' ? (claims[claim] as string) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs every check against `target` and returns the checklist, in order. */
export async function runVerify(target: VerifyTarget, inputs: VerifyInputs): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  results.push(
    await check('health', async () => {
      const response = await fetch(url(target.apiUrl, '/health'));
      return response.status === 200
        ? { status: 'pass', detail: `GET /health answered 200` }
        : {
            status: 'fail',
            detail: `GET /health answered ${response.status}`,
            advice:
              'The API does not reach its function: look at the api function’s logs and its Errors alarm; a 5xx right after a deploy can be a cold start, so run again once.',
          };
    }),
  );

  results.push(
    await check('console CORS preflight', async () => {
      if (!target.consoleOrigin) {
        return {
          status: 'skip',
          detail: 'no console origin (the local console is served by the API itself, same origin)',
        };
      }
      const response = await fetch(url(target.apiUrl, '/v1/webhooks'), {
        method: 'OPTIONS',
        headers: {
          origin: target.consoleOrigin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      const allowOrigin = response.headers.get('access-control-allow-origin');
      const allowMethods = (response.headers.get('access-control-allow-methods') ?? '').toUpperCase();
      const allowHeaders = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      const missing = AUTHORIZED_METHODS.filter((method) => !allowMethods.includes(method));
      if (
        response.status < 300 &&
        allowOrigin === target.consoleOrigin &&
        missing.length === 0 &&
        allowHeaders.includes('authorization')
      ) {
        return {
          status: 'pass',
          detail: `OPTIONS from ${target.consoleOrigin} answered ${response.status}, methods ${allowMethods}`,
        };
      }
      return {
        status: 'fail',
        detail: `OPTIONS from ${target.consoleOrigin} answered ${response.status}, allow-origin ${allowOrigin ?? 'none'}, methods ${allowMethods || 'none'}`,
        advice:
          response.status === 401
            ? 'The preflight reached the JWT authorizer: a route takes OPTIONS (an ANY route?). The console cannot call the API. Redeploy the service stack of this repository.'
            : 'The console cannot call the API from its origin: the API’s CORS settings do not name it. Redeploy the service stack (the console origin is wired in by the stack).',
      };
    }),
  );

  results.push(
    await check('authorized read', async () => {
      if (!inputs.token) return { status: 'skip', detail: 'no --token given' };
      const response = await fetch(url(target.apiUrl, '/v1/webhooks?limit=1'), {
        headers: { authorization: `Bearer ${inputs.token}` },
      });
      if (response.status === 200)
        return { status: 'pass', detail: 'GET /v1/webhooks with your token answered 200' };
      const body = await response.text();
      return {
        status: 'fail',
        detail: `GET /v1/webhooks answered ${response.status}: ${body.slice(0, 200)}`,
        advice:
          response.status === 401
            ? 'The authorizer refused the token: it is expired, or its issuer or audience is not the deployed jwtIssuer/jwtAudience (an ID token’s aud is the client id; an access token’s client_id). Get a fresh token, or redeploy with the right -c jwtIssuer / -c jwtAudience.'
            : response.status === 403
              ? 'The token is valid but names no tenant: it lacks the tenant claim (-c tenantClaim, default tenant_id). Add the claim in your identity provider (Cognito: custom:tenant_id with -c tenantClaim=custom:tenant_id).'
              : 'The API failed behind the authorizer: look at the api function’s logs.',
      };
    }),
  );

  results.push(
    await check('chat event reaches the service', async () => {
      if (!inputs.token)
        return {
          status: 'skip',
          detail: 'no --token given (the event is looked for in your tenant’s rejected events)',
        };
      const tenant = inputs.tenant ?? tenantOfToken(inputs.token, inputs.tenantClaim ?? 'tenant_id');
      if (!tenant) return { status: 'skip', detail: 'the token names no tenant: pass --tenant' };
      // A detail-type outside the catalogue: the fan-out records it as a rejected event of the tenant,
      // which proves bus → rule → fan-out → table without sending anything to a customer's endpoint.
      const detailType = `chat-webhooks.verify.${Date.now().toString(36)}`;
      const events = new EventBridgeClient({
        region: target.region,
        ...(target.eventsEndpoint ? { endpoint: target.eventsEndpoint } : {}),
        ...(target.credentials ? { credentials: target.credentials } : {}),
      });
      try {
        const published = await events.send(
          new PutEventsCommand({
            Entries: [
              {
                Source: CHAT_EVENT_SOURCE,
                DetailType: detailType,
                EventBusName: target.eventBusName,
                Detail: JSON.stringify({ tenantId: tenant, data: {} }),
              },
            ],
          }),
        );
        if (published.FailedEntryCount) {
          return {
            status: 'fail',
            detail: `PutEvents refused the event: ${JSON.stringify(published.Entries)}`,
            advice: `The bus "${target.eventBusName}" refused it: check the bus name (stack output EventBusName) and that your credentials may events:PutEvents on it.`,
          };
        }
      } finally {
        events.destroy();
      }
      const started = Date.now();
      const deadline = started + (inputs.eventTimeoutMs ?? 60_000);
      while (Date.now() < deadline) {
        const response = await fetch(url(target.apiUrl, '/v1/rejected-events?limit=20'), {
          headers: { authorization: `Bearer ${inputs.token}` },
        });
        if (response.status === 401 || response.status === 403) {
          return {
            status: 'fail',
            detail: `published ${detailType}, but the API refused your token (${response.status}) when looking for it`,
            advice: 'Fix the token first (see "authorized read"), then run again.',
          };
        }
        if (response.ok) {
          const page = (await response.json()) as { items?: { detailType?: string; reason?: string }[] };
          const found = page.items?.find((item) => item.detailType === detailType);
          if (found) {
            return {
              status: 'pass',
              detail: `published ${detailType} to ${target.eventBusName}; recorded as a rejected event (${found.reason}) after ${((Date.now() - started) / 1000).toFixed(1)} s`,
            };
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      return {
        status: 'fail',
        detail: `published ${detailType}, not recorded within ${Math.round((inputs.eventTimeoutMs ?? 60_000) / 1000)} s`,
        advice:
          'Events do not reach the fan-out: check the two rules on the bus are enabled, the fan-out function’s logs and Errors alarm, and the fan-out DLQ (FanOutDeadLetters alarm). A throttled account (see the concurrency check) delays it too.',
      };
    }),
  );

  results.push(
    await check('alarm topic subscription', async () => {
      if (!target.alarmTopicArn)
        return { status: 'skip', detail: 'no alarm topic (the local runtime logs instead)' };
      const sns = new SNSClient({ region: target.region });
      try {
        const { Subscriptions = [] } = await sns.send(
          new ListSubscriptionsByTopicCommand({ TopicArn: target.alarmTopicArn }),
        );
        const confirmed = Subscriptions.filter((subscription) =>
          subscription.SubscriptionArn?.startsWith('arn:'),
        );
        const pending = Subscriptions.length - confirmed.length;
        if (confirmed.length > 0) {
          return {
            status: 'pass',
            detail: `${confirmed.length} confirmed (${confirmed.map((subscription) => subscription.Protocol).join(', ')})${pending ? `, ${pending} pending` : ''}`,
          };
        }
        return {
          status: 'fail',
          detail: pending ? `${pending} subscription(s) pending confirmation` : 'no subscription',
          advice: pending
            ? 'Nobody receives alarms until the subscription is confirmed: open the "AWS Notification - Subscription Confirmation" email and follow its link.'
            : `Nobody receives alarms: redeploy with -c alarmEmail=you@example.com, or aws sns subscribe --topic-arn ${target.alarmTopicArn} --protocol email --notification-endpoint you@example.com`,
        };
      } finally {
        sns.destroy();
      }
    }),
  );

  results.push(
    await check('Lambda concurrency vs the delivery event source', async () => {
      if (!target.deliveryFunctionName)
        return { status: 'skip', detail: 'no delivery function (the local runtime has its own pollers)' };
      const lambda = new LambdaClient({ region: target.region });
      try {
        const settings = await lambda.send(new GetAccountSettingsCommand({}));
        const { EventSourceMappings = [] } = await lambda.send(
          new ListEventSourceMappingsCommand({ FunctionName: target.deliveryFunctionName }),
        );
        const maximum = Math.max(
          0,
          ...EventSourceMappings.map((mapping) => mapping.ScalingConfig?.MaximumConcurrency ?? 0),
        );
        const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions ?? 0;
        const limit = settings.AccountLimit?.ConcurrentExecutions ?? 0;
        return judgeConcurrency({ limit, unreserved, eventSourceMaximum: maximum });
      } finally {
        lambda.destroy();
      }
    }),
  );
  return results;
}

/**
 * Whether the account can run what the delivery event source starts: its maximum concurrency must fit
 * in the unreserved pool, or Lambda throttles invocations and each throttled batch uses up one of its
 * messages' receives (5 before the DLQ).
 */
export function judgeConcurrency(account: {
  limit: number;
  unreserved: number;
  eventSourceMaximum: number;
}): Omit<CheckResult, 'name'> {
  const { limit, unreserved, eventSourceMaximum } = account;
  if (eventSourceMaximum > 0 && unreserved >= eventSourceMaximum) {
    return {
      status: 'pass',
      detail: `account limit ${limit}, unreserved ${unreserved} ≥ the event source's maximum concurrency ${eventSourceMaximum}`,
    };
  }
  if (eventSourceMaximum === 0) {
    return {
      status: 'fail',
      detail: 'the delivery function has no SQS event source with a maximum concurrency',
      advice: 'The delivery queue is not consumed: redeploy the service stack.',
    };
  }
  const fits = Math.max(2, unreserved - 2);
  return {
    status: 'fail',
    detail: `account limit ${limit}, unreserved ${unreserved} < the event source's maximum concurrency ${eventSourceMaximum}`,
    advice:
      `Under load Lambda throttles deliveries: each throttled batch uses up a receive, and after 5 its messages land in the DLQ as failure logs (redeliverable). ` +
      `Request a higher "Concurrent executions" quota (Service Quotas → AWS Lambda; new accounts can start at 10), or redeploy with -c deliveryMaxConcurrency=${fits} (at least 2) until it is raised.`,
  };
}
