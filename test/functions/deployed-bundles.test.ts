/**
 * What is deployed is what is tested (docs/contract.md#aws-stack): synthesise the app, load each bundled function
 * from the cloud assembly in its own Node process with the environment its template gives it
 * (references resolved to local stand-ins), and invoke it with AWS-shaped events against the
 * embedded store, the local SQS, a PutEvents endpoint and a Secrets Manager GetSecretValue endpoint,
 * all on loopback. The runner refuses any other connection, so a bundle aiming at real AWS fails here.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import type { EventBridgeEvent, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryTasksFor } from '#app/fan-out';
import { type DeliveryTask, MAX_WEBHOOKS_PER_MESSAGE } from '#domain/delivery-task';
import { settingsFromContext } from '#lib/app-settings';
import { buildApp } from '#lib/build-app';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#local/embedded-dynamodb';
import { type BusEvent, handlePutEvents } from '#local/eventbridge-ingest';
import { AwsCallRecorder } from '../support/iam/aws-call-recorder';
import { CloudFormationWorld, type Template } from '../support/iam/cloudformation-world';
import { checkLeastPrivilege } from '../support/iam/least-privilege';
import { type Receiver, startReceiver, verifyDelivery } from '../support/receiver';
import { type SqsHarness, startSqsHarness } from '../support/sqs-harness';
import {
  type AssembledFunction,
  assembledFunctions,
  type CfnTemplate,
  type LocalResources,
  queueNameOf,
  resolveVariable,
} from './cloud-assembly';
import { busEvent, httpApiEvent, sqsEvent } from './lambda-events';

const RUNNER = fileURLToPath(new URL('./bundle-runner.mjs', import.meta.url));
const LOCAL: LocalResources = {
  region: 'eu-west-1',
  account: '000000000000',
  tableName: 'chat-webhooks-bundles',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:EncryptionKeySecret-AbCdEf',
};
const MASTER_KEY = 'k'.repeat(64);
/** The platform's role (context key platformPrincipals), and a session of it as SigV4 presents it. */
const PLATFORM_ROLE = 'arn:aws:iam::000000000000:role/platform-portal';
const PLATFORM_SESSION = 'arn:aws:sts::000000000000:assumed-role/platform-portal/mint-1';
const JWT = {
  iss: 'https://issuer.example.com/',
  aud: 'chat-webhooks-admin',
  sub: 'admin-1',
  exp: 4102444800,
};

/** One Lambda execution environment: a Node process running the bundle. */
interface Environment {
  invoke<T = unknown>(event: unknown): Promise<T>;
  /** The environment's memory between invocations (after a full collection). */
  memory(): Promise<NodeJS.MemoryUsage>;
  /** The most resident memory the environment has held since it started, in bytes. */
  peakRss(): Promise<number>;
  /** Invokes with the payload's JSON text, parsed by the runner as the Lambda runtime parses it. */
  invokeRaw<T = unknown>(payload: string): Promise<T>;
  offLoopback: string[];
  stop(): void;
}

function startEnvironment(
  fn: AssembledFunction,
  environment: Record<string, string>,
  execArgv: string[] = [],
): Promise<Environment> {
  const child: ChildProcess = fork(RUNNER, [fn.bundlePath, fn.handlerExport, fn.logicalId], {
    env: environment,
    execArgv: ['--expose-gc', ...execArgv],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const offLoopback: string[] = [];
  let nextId = 0;
  const send = <T>(payload: { event: unknown } | { raw: string } | { memory: true } | { peak: true }) =>
    new Promise<T>((resolveInvoke, rejectInvoke) => {
      const id = nextId++;
      pending.set(id, { resolve: resolveInvoke as (value: unknown) => void, reject: rejectInvoke });
      child.send({ id, ...payload });
    });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      const error = new Error(`${fn.logicalId} exited (${code}): ${stderr.slice(-2000)}`);
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
    });
    child.on('message', (raw) => {
      const message = raw as {
        ready?: true;
        id?: number;
        result?: unknown;
        error?: string;
        offLoopback?: string;
      };
      if (message.offLoopback) offLoopback.push(message.offLoopback);
      if (message.ready) {
        resolve({
          offLoopback,
          invoke: (event) => send({ event }),
          invokeRaw: (raw) => send({ raw }),
          memory: () => send({ memory: true }),
          peakRss: () => send<{ maxRssBytes: number }>({ peak: true }).then((peak) => peak.maxRssBytes),
          stop: () => child.kill(),
        });
      }
      if (message.id !== undefined) {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error !== undefined)
          waiter?.reject(new Error(`${message.error}\n${stderr.slice(-2000)}`));
        else waiter?.resolve(message.result);
      }
    });
  });
}

/** A loopback HTTP server answering AWS JSON 1.1 calls by X-Amz-Target. */
async function startAwsJsonEndpoint(
  answer: (target: string, body: string) => Promise<{ statusCode: number; body: string }>,
): Promise<{ url: string; calls: string[]; server: Server }> {
  const calls: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      calls.push(target);
      void answer(target, Buffer.concat(chunks).toString('utf8')).then(({ statusCode, body }) =>
        response.writeHead(statusCode, { 'content-type': 'application/x-amz-json-1.1' }).end(body),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, server };
}

/** Secrets Manager's GetSecretValue for the one key secret; anything else is refused as AWS would. */
function secretsManager(target: string, body: string) {
  const request = JSON.parse(body) as { SecretId?: string };
  if (target !== 'secretsmanager.GetSecretValue' || request.SecretId !== LOCAL.secretArn) {
    return Promise.resolve({
      statusCode: 400,
      body: JSON.stringify({
        __type: 'ResourceNotFoundException',
        message: 'Secrets Manager can’t find the specified secret.',
      }),
    });
  }
  return Promise.resolve({
    statusCode: 200,
    body: JSON.stringify({
      ARN: LOCAL.secretArn,
      Name: 'EncryptionKeySecret',
      SecretString: MASTER_KEY,
      VersionId: 'v1',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1772366400,
    }),
  });
}

describe('the deployed bundles, run against local endpoints', () => {
  let outdir: string;
  let dataDir: string;
  let dynamo: EmbeddedDynamo;
  let sqs: SqsHarness;
  let receiver: Receiver;
  const servers: Server[] = [];
  const environments: Environment[] = [];
  const published: BusEvent[] = [];
  let secretCalls: string[];
  let statefulTemplate: CfnTemplate;
  let serviceTemplate: CfnTemplate;
  let world: CloudFormationWorld;
  let recorder: AwsCallRecorder;
  let functions: Record<
    'api' | 'fanOut' | 'delivery' | 'dlqProcessor' | 'fanOutDlqProcessor' | 'portalAuthorizer',
    AssembledFunction
  >;
  let baseEnvironment: Record<string, string>;
  let deliveryQueueUrl: string;
  let deliveryDeadLetterQueueUrl: string;

  /** The template's environment of `fn`, resolved, plus what Lambda itself sets. */
  function environmentOf(fn: AssembledFunction, extra: Record<string, string> = {}): Record<string, string> {
    const variables = Object.fromEntries(
      Object.entries(fn.variables).map(([name, value]) => [
        name,
        resolveVariable(value, statefulTemplate, LOCAL),
      ]),
    );
    return { ...baseEnvironment, AWS_LAMBDA_FUNCTION_NAME: fn.logicalId, ...variables, ...extra };
  }

  async function start(
    fn: AssembledFunction,
    extra: Record<string, string> = {},
    execArgv: string[] = [],
  ): Promise<Environment> {
    // Every AWS call goes through a proxy that records it for the IAM simulation (last test).
    const endpoints = await recorder.endpointsFor(fn.logicalId);
    const environment = await startEnvironment(fn, { ...environmentOf(fn, extra), ...endpoints }, execArgv);
    environments.push(environment);
    return environment;
  }

  /** Takes what the queue holds, waiting up to `timeoutMs` for the first message (delayed retries). */
  async function receiveAll(queueUrl: string, timeoutMs = 0): Promise<{ body: string; messageId: string }[]> {
    const deadline = Date.now() + timeoutMs;
    let Messages: Message[] = [];
    for (;;) {
      ({ Messages = [] } = await sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
      ));
      if (Messages.length > 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const message of Messages) {
      await sqs.client.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
    return Messages.map((message) => ({ body: message.Body ?? '', messageId: message.MessageId ?? '' }));
  }

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'cw-assembly-'));
    dataDir = mkdtempSync(join(tmpdir(), 'cw-bundles-'));
    const app = new App({
      outdir,
      context: { jwtIssuer: JWT.iss, jwtAudience: JWT.aud, platformPrincipals: PLATFORM_ROLE },
    });
    // As `cdk deploy` synthesises: with the account and region.
    buildApp(app, settingsFromContext(app), {
      nag: false,
      env: { account: LOCAL.account, region: LOCAL.region },
    });
    const assembly = app.synth();
    const templateOf = (name: string) =>
      JSON.parse(readFileSync(assembly.getStackByName(name).templateFullPath, 'utf8')) as CfnTemplate;
    statefulTemplate = templateOf('ChatWebhooksStateful');
    serviceTemplate = templateOf('ChatWebhooksService');
    const physical = (type: string) =>
      Object.entries(statefulTemplate.Resources).find(([, resource]) => resource.Type === type)?.[0] ?? type;
    // FIFO queues are named `<logical id>.fifo`, as SQS requires, in the world and locally alike.
    const fifoNames = Object.fromEntries(
      Object.entries(statefulTemplate.Resources)
        .filter(([, resource]) => resource.Type === 'AWS::SQS::Queue')
        .map(([logicalId, resource]) => [logicalId, queueNameOf(logicalId, resource)])
        .filter(([logicalId, name]) => logicalId !== name),
    );
    world = new CloudFormationWorld(
      Object.fromEntries(
        ['ChatWebhooksStateful', 'ChatWebhooksService'].map((name) => [name, templateOf(name) as Template]),
      ),
      {
        account: LOCAL.account,
        region: LOCAL.region,
        physicalNames: {
          ...fifoNames,
          [physical('AWS::DynamoDB::Table')]: LOCAL.tableName,
          [physical('AWS::SecretsManager::Secret')]: LOCAL.secretArn,
        },
      },
    );
    const byPrefix = (prefix: string) => {
      const found = assembledFunctions(templateOf('ChatWebhooksService'), outdir).filter((fn) =>
        fn.logicalId.startsWith(prefix),
      );
      if (found.length !== 1) throw new Error(`expected one function ${prefix}*, found ${found.length}`);
      return found[0]!;
    };
    functions = {
      api: byPrefix('AdminApiFunction'),
      fanOut: byPrefix('EventIngestFanOutFunction'),
      delivery: byPrefix('DeliveryPipelineDelivery'),
      dlqProcessor: byPrefix('DeliveryPipelineDeadLetterProcessor'),
      fanOutDlqProcessor: byPrefix('EventIngestFanOutDeadLetterProcessor'),
      portalAuthorizer: byPrefix('AdminApiPortalAuthorizer'),
    };

    dynamo = await startEmbeddedDynamo({ dataDir, tableName: LOCAL.tableName });
    sqs = await startSqsHarness(join(dataDir, 'sqs'));
    for (const [logicalId, resource] of Object.entries(statefulTemplate.Resources)) {
      if (resource.Type === 'AWS::SQS::Queue') {
        const name = queueNameOf(logicalId, resource);
        await sqs.client.send(
          new CreateQueueCommand({
            QueueName: name,
            ...(name.endsWith('.fifo') ? { Attributes: { FifoQueue: 'true' } } : {}),
          }),
        );
      }
    }
    deliveryQueueUrl = resolveVariable(
      functions.fanOut.variables.DELIVERY_QUEUE_URL,
      statefulTemplate,
      LOCAL,
    );
    deliveryDeadLetterQueueUrl = resolveVariable(
      functions.delivery.variables.DELIVERY_DLQ_URL,
      statefulTemplate,
      LOCAL,
    );
    const secrets = await startAwsJsonEndpoint(secretsManager);
    secretCalls = secrets.calls;
    const events = await startAwsJsonEndpoint((_target, body) =>
      handlePutEvents(body, {
        eventBusName: 'chat-events',
        persist: async (accepted) => {
          published.push(...accepted);
        },
      }),
    );
    servers.push(secrets.server, events.server);
    recorder = new AwsCallRecorder({
      account: LOCAL.account,
      region: LOCAL.region,
      upstreams: {
        dynamodb: dynamo.endpoint,
        sqs: sqs.endpoint,
        events: events.url,
        secretsmanager: secrets.url,
      },
    });
    receiver = await startReceiver();
    baseEnvironment = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: LOCAL.region,
      AWS_DEFAULT_REGION: LOCAL.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: events.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
  }, 180_000);

  afterAll(async () => {
    for (const environment of environments) environment.stop();
    await recorder?.close();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await receiver?.close();
    await sqs?.close();
    await dynamo?.close();
    for (const dir of [outdir, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives every function only references the local stand-ins resolve', () => {
    for (const fn of Object.values(functions)) expect(() => environmentOf(fn)).not.toThrow();
    expect(environmentOf(functions.delivery).DELIVERY_QUEUE_URL).toMatch(
      /^https:\/\/sqs\.eu-west-1\.amazonaws\.com\//,
    );
  });

  it('the API bundle: health, webhooks (key from Secrets Manager), and 403 for a token without the tenant claim', async () => {
    const api = await start(functions.api);
    const health = await api.invoke<{ statusCode: number }>(httpApiEvent({ method: 'GET', path: '/health' }));
    expect(health.statusCode).toBe(200);
    const created = await api.invoke<{ statusCode: number; body: string }>(
      httpApiEvent({
        method: 'POST',
        path: '/v1/webhooks',
        claims: { ...JWT, tenant_id: 'tenant-a' },
        body: { name: 'never sent', url: 'https://hooks.example.com/in', events: ['message.created'] },
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    expect(JSON.parse(created.body).signingSecret).toMatch(/^whsec_/);
    expect(secretCalls).toContain('secretsmanager.GetSecretValue');
    const forbidden = await api.invoke<{ statusCode: number; body: string }>(
      httpApiEvent({ method: 'GET', path: '/v1/webhooks', claims: JWT }),
    );
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.body).toContain('tenant_id');
    expect(api.offLoopback).toEqual([]);
  });

  it('fan-out, delivery and the DLQ processor: an event reaches a loopback receiver signed, and a dead letter becomes a failure log', async () => {
    // The template's API refuses loopback destinations (as deployed): this one environment relaxes it
    // the way docs/contract.md#local-runtime allows for tests, so a real receiver can check the signature.
    const insecureApi = await start(functions.api, { ALLOW_INSECURE_LOCALHOST: 'true' });
    const created = await insecureApi.invoke<{ statusCode: number; body: string }>(
      httpApiEvent({
        method: 'POST',
        path: '/v1/webhooks',
        claims: { ...JWT, tenant_id: 'tenant-b' },
        body: { name: 'receiver', url: receiver.url('/bundle'), events: ['conversation.created'] },
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const webhook = JSON.parse(created.body) as { id: string; signingSecret: string };

    const fanOut = await start(functions.fanOut);
    await fanOut.invoke(
      busEvent('conversation.created', {
        tenantId: 'tenant-b',
        brandId: 'b',
        data: {
          conversation: {
            id: 'c1',
            status: 'open',
            brandId: 'b',
            createdAt: '2026-03-01T12:00:00Z',
            updatedAt: '2026-03-01T12:00:00Z',
          },
        },
      }) satisfies EventBridgeEvent<string, unknown>,
    );
    const enqueued = await receiveAll(deliveryQueueUrl);
    expect(enqueued).toHaveLength(1);
    expect(JSON.parse(enqueued[0]!.body)).toMatchObject({ tenantId: 'tenant-b', webhookId: webhook.id });

    // As deployed (no insecure flag), the delivery refuses the loopback destination without connecting.
    // Nothing went on the wire, so it is the sender's failure (docs/contract.md#isolation): dead-lettered at once with
    // the reason, not retried, and counted against neither the circuit nor the webhook's health.
    const deployedDelivery = await start(functions.delivery);
    const refused = await deployedDelivery.invoke<{ batchItemFailures: unknown[] }>(sqsEvent(enqueued));
    expect(refused.batchItemFailures).toEqual([]);
    expect(receiver.hits('/bundle')).toHaveLength(0);
    expect(await receiveAll(deliveryQueueUrl)).toEqual([]);
    const deadLetters = await receiveAll(deliveryDeadLetterQueueUrl, 15_000);
    expect(deadLetters).toHaveLength(1);
    const deadLettered = JSON.parse(deadLetters[0]!.body) as {
      attempts: unknown[];
      givenUp?: { reason: string };
    };
    // Nothing was sent, so no attempt: the reason is carried beside the attempts.
    expect(deadLettered.attempts).toEqual([]);
    expect(deadLettered.givenUp?.reason).toMatch(/^not sent: destination URL/);

    const delivery = await start(functions.delivery, { ALLOW_INSECURE_LOCALHOST: 'true' });
    const result = await delivery.invoke<{ batchItemFailures: unknown[] }>(
      sqsEvent(enqueued) satisfies SQSEvent,
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(receiver.hits('/bundle')).toHaveLength(1);
    expect(verifyDelivery(receiver.hits('/bundle')[0]!, webhook.signingSecret)).toMatchObject({
      type: 'conversation.created',
    });

    const dlqProcessor = await start(functions.dlqProcessor);
    await dlqProcessor.invoke(sqsEvent([{ messageId: 'dead-1', body: deadLetters[0]!.body }]));
    const api = await start(functions.api);
    const logs = await api.invoke<{ statusCode: number; body: string }>(
      httpApiEvent({ method: 'GET', path: '/v1/failure-logs', claims: { ...JWT, tenant_id: 'tenant-b' } }),
    );
    expect(JSON.parse(logs.body).items).toEqual([expect.objectContaining({ webhookId: webhook.id })]);
    for (const environment of [insecureApi, fanOut, deployedDelivery, delivery, dlqProcessor, api]) {
      expect(environment.offLoopback).toEqual([]);
    }
  });

  it('fan-out: an event published twice is enqueued once, a reused id and unsafe numbers are rejected events (docs/contract.md#event-ids)', async () => {
    const api = await start(functions.api);
    const created = await api.invoke<{ statusCode: number; body: string }>(
      httpApiEvent({
        method: 'POST',
        path: '/v1/webhooks',
        claims: { ...JWT, tenant_id: 'tenant-d' },
        body: {
          name: 'ids',
          url: 'https://hooks.example.com/ids',
          events: ['conversation.created', 'conversation.deleted'],
        },
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const conversation = {
      id: 'c1',
      status: 'open',
      brandId: 'b',
      createdAt: '2026-03-01T12:00:00Z',
      updatedAt: '2026-03-01T12:00:00Z',
    };
    const fanOut = await start(functions.fanOut);
    const first = {
      ...busEvent('conversation.created', {
        tenantId: 'tenant-d',
        brandId: 'b',
        id: 'dup-1',
        data: { conversation },
      }),
    };
    // The platform's retried PutEvents: a new bus event carrying the same Detail.
    await fanOut.invoke({ ...first, id: 'bus-event-1' });
    await fanOut.invoke({ ...first, id: 'bus-event-2' });
    const enqueued = await receiveAll(deliveryQueueUrl);
    expect(enqueued).toHaveLength(1);
    await fanOut.invoke({
      ...busEvent('conversation.deleted', {
        tenantId: 'tenant-d',
        brandId: 'b',
        id: 'dup-1',
        data: { conversationId: 'c1' },
      }),
      id: 'bus-event-3',
    });
    // The bus event as EventBridge sends it to Lambda: JSON text the runtime parses before the handler runs.
    const raw = JSON.stringify({
      ...busEvent('conversation.created', {
        tenantId: 'tenant-d',
        brandId: 'b',
        data: { conversation, crmId: 'BIG', ratio: 'HUGE' },
      }),
      id: 'bus-event-4',
    })
      .replace('"BIG"', '9007199254740993')
      .replace('"HUGE"', '1e400');
    await fanOut.invokeRaw(raw);
    expect(await receiveAll(deliveryQueueUrl)).toEqual([]);

    const page = await api.invoke<{ statusCode: number; body: string }>(
      httpApiEvent({ method: 'GET', path: '/v1/rejected-events', claims: { ...JWT, tenant_id: 'tenant-d' } }),
    );
    const items = JSON.parse(page.body).items as { reason: string; issues: { path: string }[] }[];
    expect(items.map((item) => [item.reason, item.issues.map((issue) => issue.path)]).sort()).toEqual([
      ['duplicate_event_id', ['id']],
      ['unsafe_number', ['data.crmId', 'data.ratio']],
    ]);
    expect(fanOut.offLoopback).toEqual([]);
  });

  it('unknown detail-types and fan-out dead letters become rejected events the tenant can list', async () => {
    const fanOut = await start(functions.fanOut);
    await fanOut.invoke(busEvent('conversation.creatd', { tenantId: 'tenant-c', data: {} }));
    const fanOutDlq = await start(functions.fanOutDlqProcessor);
    const deadLetter = sqsEvent([
      {
        messageId: 'f-1',
        body: JSON.stringify(busEvent('message.created', { tenantId: 'tenant-c', data: {} })),
      },
    ]);
    deadLetter.Records[0]!.messageAttributes = {
      ERROR_CODE: { stringValue: 'Lambda.TooManyRequestsException', dataType: 'String' },
    };
    const result = await fanOutDlq.invoke<{ batchItemFailures: unknown[] }>(deadLetter);
    expect(result.batchItemFailures).toEqual([]);
    const api = await start(functions.api);
    const page = await api.invoke<{ statusCode: number; body: string }>(
      httpApiEvent({ method: 'GET', path: '/v1/rejected-events', claims: { ...JWT, tenant_id: 'tenant-c' } }),
    );
    expect(page.statusCode).toBe(200);
    const reasons = (JSON.parse(page.body).items as { reason: string; detailType: string }[])
      .map((item) => `${item.detailType}:${item.reason}`)
      .sort();
    expect(reasons).toEqual(['conversation.creatd:unknown_event_type', 'message.created:fan_out_failed']);
  });
  it('the API bundle, every kind of table and queue access: read, list, edit, failure logs of a webhook (gsi1), redeliver, delete', async () => {
    const api = await start(functions.api);
    const as = (
      tenant: string,
      method: string,
      path: string,
      extra: { body?: unknown; query?: Record<string, string> } = {},
    ) =>
      api.invoke<{ statusCode: number; body: string }>(
        httpApiEvent({ method, path, claims: { ...JWT, tenant_id: tenant }, ...extra }),
      );
    const created = await as('tenant-f', 'POST', '/v1/webhooks', {
      body: {
        name: 'edited',
        url: 'https://hooks.example.com/f',
        events: ['conversation.created', 'message.created'],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = JSON.parse(created.body) as { id: string };
    expect((await as('tenant-f', 'GET', `/v1/webhooks/${id}`)).statusCode).toBe(200);
    expect((await as('tenant-f', 'GET', '/v1/webhooks')).statusCode).toBe(200);
    const edited = await as('tenant-f', 'PATCH', `/v1/webhooks/${id}`, {
      body: { events: ['conversation.created'] },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    const byWebhook = await as('tenant-f', 'GET', '/v1/failure-logs', { query: { webhookId: id } });
    expect(byWebhook.statusCode, byWebhook.body).toBe(200);
    expect((await as('tenant-f', 'GET', '/v1/deliveries', { query: { webhookId: id } })).statusCode).toBe(
      200,
    );
    expect((await as('tenant-f', 'DELETE', `/v1/webhooks/${id}`)).statusCode).toBe(204);
    // Tenant b's failure log (the test above) goes back on the delivery queue.
    const logs = JSON.parse((await as('tenant-b', 'GET', '/v1/failure-logs')).body) as {
      items: { id: string }[];
    };
    expect(logs.items.length).toBeGreaterThan(0);
    const redelivered = await as('tenant-b', 'POST', `/v1/failure-logs/${logs.items[0]!.id}/redeliver`);
    expect(redelivered.statusCode, redelivered.body).toBe(202);
    expect(await receiveAll(deliveryQueueUrl)).toHaveLength(1);
    expect(api.offLoopback).toEqual([]);
  });

  it('the API and portal-authorizer bundles: the platform mints a link (IAM), it is exchanged once, the session is authorised, revocation ends it', async () => {
    const api = await start(functions.api);
    const authorizer = await start(functions.portalAuthorizer);
    type Answer = { statusCode: number; body: string };
    const mint = (userArn: string) =>
      api.invoke<Answer>(
        httpApiEvent({
          method: 'POST',
          path: '/v1/portal-sessions',
          iam: { userArn },
          body: { tenantId: 'tenant-p', capabilities: ['read'] },
        }),
      );
    // Only the principals of the context key: another role of the account is refused.
    expect((await mint('arn:aws:sts::000000000000:assumed-role/other/s')).statusCode).toBe(403);
    const minted = await mint(PLATFORM_SESSION);
    expect(minted.statusCode, minted.body).toBe(201);
    const { url } = JSON.parse(minted.body) as { url: string };
    expect(url).toMatch(/^https:\/\/[^/]+\.cloudfront\.example\/.*#token=/);
    const token = new URL(url).hash.replace(/^#token=/, '');
    const exchange = () =>
      api.invoke<Answer>(
        httpApiEvent({ method: 'POST', path: '/v1/portal-sessions/exchange', body: { token } }),
      );
    const exchanged = await exchange();
    expect(exchanged.statusCode, exchanged.body).toBe(200);
    expect((await exchange()).statusCode).toBe(401);
    const { sessionToken } = JSON.parse(exchanged.body) as { sessionToken: string };
    const authorize = () =>
      authorizer.invoke<{ isAuthorized: boolean; context: Record<string, string> }>({
        version: '2.0',
        type: 'REQUEST',
        routeArn: 'arn:aws:execute-api:eu-west-1:000000000000:abc123/$default/GET/portal/v1/webhooks',
        identitySource: [`Bearer ${sessionToken}`],
        routeKey: 'GET /portal/v1/{proxy+}',
        rawPath: '/portal/v1/webhooks',
        rawQueryString: '',
        headers: { authorization: `Bearer ${sessionToken}` },
      });
    const granted = await authorize();
    expect(granted.isAuthorized).toBe(true);
    const listed = await api.invoke<Answer>(
      httpApiEvent({ method: 'GET', path: '/portal/v1/webhooks', lambda: granted.context }),
    );
    expect(listed.statusCode, listed.body).toBe(200);
    const revoked = await api.invoke<Answer>(
      httpApiEvent({
        method: 'DELETE',
        path: '/v1/portal-sessions',
        iam: { userArn: PLATFORM_SESSION },
        query: { tenantId: 'tenant-p' },
      }),
    );
    expect(revoked.statusCode, revoked.body).toBe(204);
    expect((await authorize()).isAuthorized).toBe(false);
    expect(api.offLoopback).toEqual([]);
    expect(authorizer.offLoopback).toEqual([]);
  });

  it('the delivery bundle: a batch of two webhooks read at once, a 500 retried, a 410 deactivating its webhook (webhook.disabled on the bus), the DLQ processor linking the failure log', async () => {
    const insecureApi = await start(functions.api, { ALLOW_INSECURE_LOCALHOST: 'true' });
    const create = async (path: string) => {
      const created = await insecureApi.invoke<{ statusCode: number; body: string }>(
        httpApiEvent({
          method: 'POST',
          path: '/v1/webhooks',
          claims: { ...JWT, tenant_id: 'tenant-e' },
          body: { name: path, url: receiver.url(path), events: ['conversation.created'] },
        }),
      );
      expect(created.statusCode, created.body).toBe(201);
      return (JSON.parse(created.body) as { id: string }).id;
    };
    receiver.on('/gone', (_hit, response) => response.writeHead(410).end('gone'));
    receiver.on('/failing', (_hit, response) => response.writeHead(500).end('down'));
    const gone = await create('/gone');
    await create('/failing');
    const fanOut = await start(functions.fanOut);
    await fanOut.invoke(
      busEvent('conversation.created', {
        tenantId: 'tenant-e',
        brandId: 'b',
        id: 'e-1',
        data: {
          conversation: {
            id: 'c9',
            status: 'open',
            brandId: 'b',
            createdAt: '2026-03-01T12:00:00Z',
            updatedAt: '2026-03-01T12:00:00Z',
          },
        },
      }),
    );
    // One message per webhook, or one for both when the task format groups an event's webhooks.
    const enqueued = await receiveAll(deliveryQueueUrl);
    expect(enqueued.length).toBeGreaterThanOrEqual(1);
    const publishedBefore = published.length;
    const delivery = await start(functions.delivery, { ALLOW_INSECURE_LOCALHOST: 'true' });
    const result = await delivery.invoke<{ batchItemFailures: unknown[] }>(sqsEvent(enqueued));
    expect(result.batchItemFailures).toEqual([]);
    // The 500: a retry on the delivery queue; the 410: a dead letter, and the webhook deactivated.
    expect((await receiveAll(deliveryQueueUrl, 15_000)).length).toBeGreaterThanOrEqual(1);
    const deadLetters = await receiveAll(deliveryDeadLetterQueueUrl, 15_000);
    expect(deadLetters).toHaveLength(1);
    expect(published.slice(publishedBefore).map((event) => event.detailType)).toContain('webhook.disabled');
    const read = await insecureApi.invoke<{ statusCode: number; body: string }>(
      httpApiEvent({
        method: 'GET',
        path: `/v1/webhooks/${gone}`,
        claims: { ...JWT, tenant_id: 'tenant-e' },
      }),
    );
    expect(JSON.parse(read.body)).toMatchObject({ status: 'inactive' });
    const dlqProcessor = await start(functions.dlqProcessor);
    await dlqProcessor.invoke(sqsEvent([{ messageId: 'dead-e', body: deadLetters[0]!.body }]));
    for (const environment of [insecureApi, fanOut, delivery, dlqProcessor])
      expect(environment.offLoopback).toEqual([]);
  });

  it('an ordered delivery (docs/ordering.md): fan-out to the FIFO queue, a failed attempt held by visibility, the last one to the FIFO DLQ, a failure log redelivered to the FIFO queue', async () => {
    const insecureApi = await start(functions.api, { ALLOW_INSECURE_LOCALHOST: 'true' });
    const tenant = { ...JWT, tenant_id: 'tenant-o' };
    receiver.on('/ordered', (_hit, response) => response.writeHead(500).end('down'));
    const created = await insecureApi.invoke<{ statusCode: number; body: string }>(
      httpApiEvent({
        method: 'POST',
        path: '/v1/webhooks',
        claims: tenant,
        body: {
          name: 'ordered',
          url: receiver.url('/ordered'),
          events: ['message.created'],
          ordering: 'conversation',
        },
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const orderedQueueUrl = resolveVariable(
      functions.delivery.variables.ORDERED_DELIVERY_QUEUE_URL,
      statefulTemplate,
      LOCAL,
    );
    const orderedDeadLetterQueueUrl = resolveVariable(
      functions.delivery.variables.ORDERED_DELIVERY_DLQ_URL,
      statefulTemplate,
      LOCAL,
    );
    const orderedArn = `arn:aws:sqs:${LOCAL.region}:${LOCAL.account}:${orderedQueueUrl.split('/').at(-1)}`;
    const fanOut = await start(functions.fanOut);
    await fanOut.invoke(
      busEvent('message.created', {
        tenantId: 'tenant-o',
        brandId: 'b',
        id: 'o-1',
        data: {
          conversationId: 'conv-1',
          message: {
            id: 'm1',
            author: { type: 'customer', id: 'u1' },
            text: 'hi',
            createdAt: '2026-03-01T12:00:00Z',
          },
        },
      }),
    );
    /** Receives the ordered message as Lambda's poller would, as one record of `receives` receives. */
    const receiveOrdered = async (queueUrl: string) => {
      const { Messages = [] } = await sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
      );
      expect(Messages).toHaveLength(1);
      return Messages[0]!;
    };
    const recordOf = (message: Message, receives: number) => {
      const [record] = sqsEvent([{ messageId: message.MessageId!, body: message.Body! }]).Records;
      return {
        Records: [
          {
            ...record!,
            receiptHandle: message.ReceiptHandle!,
            eventSourceARN: orderedArn,
            attributes: { ...record!.attributes, ApproximateReceiveCount: String(receives) },
          },
        ],
      };
    };
    const first = await receiveOrdered(orderedQueueUrl);
    expect(JSON.parse(first.Body!)).toMatchObject({ ordered: { conversationId: 'conv-1' } });
    // The 500 with one retry left (due at once): the message is held (a batch item failure), its
    // progress kept.
    const delivery = await start(functions.delivery, {
      ALLOW_INSECURE_LOCALHOST: 'true',
      RETRY_SCHEDULE: '0',
    });
    const held = await delivery.invoke<{ batchItemFailures: unknown[] }>(recordOf(first, 1));
    expect(held.batchItemFailures).toEqual([{ itemIdentifier: first.MessageId }]);
    // The next receive reads that progress: its last attempt fails too, and it is given up.
    await sqs.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: orderedQueueUrl,
        ReceiptHandle: first.ReceiptHandle!,
        VisibilityTimeout: 0,
      }),
    );
    const again = await receiveOrdered(orderedQueueUrl);
    const ended = await delivery.invoke<{ batchItemFailures: unknown[] }>(recordOf(again, 2));
    expect(ended.batchItemFailures).toEqual([]);
    // What Lambda's poller does with a record that did not fail: the conversation moves on.
    await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: orderedQueueUrl, ReceiptHandle: again.ReceiptHandle! }),
    );
    const deadLetter = await receiveOrdered(orderedDeadLetterQueueUrl);
    expect((JSON.parse(deadLetter.Body!) as { attempts: unknown[] }).attempts).toHaveLength(2);
    const dlqProcessor = await start(functions.dlqProcessor);
    await dlqProcessor.invoke(sqsEvent([{ messageId: 'dead-o', body: deadLetter.Body! }]));
    const logs = await insecureApi.invoke<{ statusCode: number; body: string }>(
      httpApiEvent({ method: 'GET', path: '/v1/failure-logs', claims: tenant }),
    );
    const [log] = (JSON.parse(logs.body) as { items: { id: string; attemptCount: number }[] }).items;
    expect(log?.attemptCount).toBe(2);
    const redelivered = await insecureApi.invoke<{ statusCode: number; body: string }>(
      httpApiEvent({ method: 'POST', path: `/v1/failure-logs/${log!.id}/redeliver`, claims: tenant }),
    );
    expect(redelivered.statusCode, redelivered.body).toBe(202);
    expect(JSON.parse((await receiveOrdered(orderedQueueUrl)).Body!)).toMatchObject({
      redeliveryOf: expect.any(String),
      ordered: { conversationId: 'conv-1' },
    });
    for (const environment of [insecureApi, fanOut, delivery, dlqProcessor])
      expect(environment.offLoopback).toEqual([]);
  });

  it('the delivery bundle keeps its memory flat over many warm invocations', {
    timeout: 900_000,
  }, async () => {
    // BUNDLE_WARM_INVOCATIONS=1000 for the full measurement; the suite runs a short one.
    const invocations = Number(process.env.BUNDLE_WARM_INVOCATIONS ?? 100);
    const api = await start(functions.api, { ALLOW_INSECURE_LOCALHOST: 'true' });
    const created = await api.invoke<{ statusCode: number; body: string }>(
      httpApiEvent({
        method: 'POST',
        path: '/v1/webhooks',
        claims: { ...JWT, tenant_id: 'tenant-w' },
        body: { name: 'warm', url: receiver.url('/warm'), events: ['conversation.created'] },
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const webhookId = (JSON.parse(created.body) as { id: string }).id;
    const delivery = await start(functions.delivery, { ALLOW_INSECURE_LOCALHOST: 'true' });
    const batchOf = (invocation: number) =>
      sqsEvent(
        Array.from({ length: 5 }, (_, index) => {
          const id = `warm-${invocation}-${index}`;
          const task: DeliveryTask = {
            tenantId: 'tenant-w',
            webhookId,
            event: {
              id,
              type: 'conversation.created',
              timestamp: new Date().toISOString(),
              tenantId: 'tenant-w',
              brandId: 'b',
              data: { conversation: { id: `c-${id}`, status: 'open' } },
            },
            attempts: [],
          };
          return { messageId: id, body: JSON.stringify(task) };
        }),
      );
    const samples: { invocation: number; rssMiB: number; heapMiB: number }[] = [];
    for (let invocation = 1; invocation <= invocations; invocation++) {
      const result = await delivery.invoke<{ batchItemFailures: unknown[] }>(batchOf(invocation));
      expect(result.batchItemFailures).toEqual([]);
      if (invocation === 1 || invocation % Math.max(1, Math.floor(invocations / 10)) === 0) {
        const usage = await delivery.memory();
        samples.push({ invocation, rssMiB: usage.rss / 2 ** 20, heapMiB: usage.heapUsed / 2 ** 20 });
      }
    }
    expect(receiver.hits('/warm')).toHaveLength(invocations * 5);
    console.log(
      [
        `delivery bundle, warm environment, ${invocations} invocations of 5 deliveries:`,
        ...samples.map(
          (sample) =>
            `  after ${String(sample.invocation).padStart(5)}: rss ${sample.rssMiB.toFixed(1)} MiB, heap ${sample.heapMiB.toFixed(1)} MiB`,
        ),
      ].join('\n'),
    );
    // What stays after a full collection must not grow with the invocations: from the first tenth
    // to the end, the heap may move by what caches and the JIT settle into, not per invocation.
    const settled = samples[1] ?? samples[0]!;
    const last = samples.at(-1)!;
    expect(last.heapMiB - settled.heapMiB).toBeLessThan(8);
  });

  it('the delivery bundle handles one worst-case batch within its configured memory (docs/contract.md#limits)', {
    timeout: 900_000,
  }, async () => {
    // The worst case: a full batch (10 records), each a group message of the largest event SQS takes
    // with MAX_WEBHOOKS_PER_MESSAGE ids, to webhooks with the largest secrets the API accepts (a 4 KiB
    // bearer token, 20 custom headers filling 8 KiB, a rotated signing secret so two sign).
    const tenant = 'tenant-m';
    const webhooks = 2 * MAX_WEBHOOKS_PER_MESSAGE;
    const api = await start(functions.api, { ALLOW_INSECURE_LOCALHOST: 'true' });
    const claims = { ...JWT, tenant_id: tenant };
    const ids: string[] = [];
    for (let index = 0; index < webhooks; index++) {
      const headers: Record<string, string> = {};
      for (let header = 0; header < 20; header++)
        headers[`x-secret-${String(header).padStart(2, '0')}`] = randomBytes(300)
          .toString('base64')
          .slice(0, 395);
      const created = await api.invoke<{ statusCode: number; body: string }>(
        httpApiEvent({
          method: 'POST',
          path: '/v1/webhooks',
          claims,
          body: {
            name: `worst ${index}`,
            url: receiver.url(`/memory/${index}`),
            events: ['message.created'],
            authentication: { type: 'bearer', token: randomBytes(3072).toString('base64') },
            headers,
          },
        }),
      );
      expect(created.statusCode, created.body).toBe(201);
      const id = (JSON.parse(created.body) as { id: string }).id;
      const rotated = await api.invoke<{ statusCode: number }>(
        httpApiEvent({ method: 'POST', path: `/v1/webhooks/${id}/rotate-secret`, claims }),
      );
      expect(rotated.statusCode).toBe(200);
      ids.push(id);
    }
    const eventOf = (index: number, padding: string) => ({
      id: `evt_memory_${index}`,
      type: 'message.created',
      timestamp: new Date().toISOString(),
      tenantId: tenant,
      brandId: 'b',
      data: {
        conversationId: `c${index}`,
        message: {
          id: `m${index}`,
          author: { type: 'customer', id: 'u1' },
          text: 'largest',
          createdAt: new Date().toISOString(),
        },
        padding,
      },
    });
    // The largest padding that still puts MAX_WEBHOOKS_PER_MESSAGE ids in one message.
    let low = 0;
    let high = 262_144;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (deliveryTasksFor(eventOf(0, 'x'.repeat(middle)), ids).length <= 2) low = middle;
      else high = middle - 1;
    }
    const records = Array.from({ length: 10 }, (_, index) => {
      const [task] = deliveryTasksFor(
        eventOf(index, 'x'.repeat(low)),
        ids.slice(0, MAX_WEBHOOKS_PER_MESSAGE),
      );
      return { messageId: `memory-${index}`, body: JSON.stringify(task) };
    });
    const bodyBytes = Math.max(...records.map((record) => Buffer.byteLength(record.body)));
    expect(bodyBytes).toBeLessThanOrEqual(262_144);
    expect((JSON.parse(records[0]!.body) as DeliveryTask).webhookIds).toHaveLength(MAX_WEBHOOKS_PER_MESSAGE);

    const memorySize = Number(
      (
        serviceTemplate.Resources[functions.delivery.logicalId] as unknown as {
          Properties: { MemorySize: number };
        }
      ).Properties.MemorySize,
    );
    const delivery = await start(functions.delivery, { ALLOW_INSECURE_LOCALHOST: 'true' });
    const before = await delivery.peakRss();
    const result = await delivery.invoke<{ batchItemFailures: unknown[] }>(sqsEvent(records));
    const peak = await delivery.peakRss();
    expect(result.batchItemFailures).toEqual([]);
    const received = receiver.hits().filter((hit) => hit.path.startsWith('/memory/')).length;
    console.log(
      `delivery bundle, one worst-case batch (10 records of ${bodyBytes} B × ${MAX_WEBHOOKS_PER_MESSAGE} webhooks): ` +
        `peak RSS ${(peak / 2 ** 20).toFixed(1)} MiB (${(before / 2 ** 20).toFixed(1)} before), ` +
        `MemorySize ${memorySize} MB, ${received} sent in the invocation, the rest postponed`,
    );
    // Every record was handled (sent, or postponed back to the queue), within the function's memory.
    expect(received).toBeGreaterThan(0);
    expect(peak).toBeLessThan(memorySize * 2 ** 20);
  });

  it('IAM: every AWS call the bundles made is allowed by the synthesised policies, and no role holds an action its function never calls', async () => {
    expect(recorder.unreadable).toEqual([]);
    const report = await checkLeastPrivilege(world, recorder.calls);
    console.info(
      `IAM simulation: ${report.checked} distinct calls checked (${recorder.calls.length} recorded from the bundles, the rest Lambda's own), ${report.allowed} allowed, ${report.unusedGrants.length} unused grants`,
    );
    for (const [fn, actions] of Object.entries(report.actionsByFunction))
      console.info(`  ${fn}: ${actions.join(' ')}`);
    expect(report.denied).toEqual([]);
    expect(report.unusedGrants).toEqual([]);
    expect(Object.keys(report.actionsByFunction).sort()).toEqual(
      Object.values(functions)
        .map((fn) => fn.logicalId)
        .sort(),
    );
  }, 120_000);
});
