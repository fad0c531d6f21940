/**
 * Records every AWS call a function's bundle makes: a loopback proxy per (function, service) stands
 * in front of the real local stand-in, notes the call as IAM sees it (the action it is authorised
 * by, and the ARN of each resource it touches) and passes it on unchanged. A bundle gets the proxies'
 * URLs through the SDK's `AWS_ENDPOINT_URL_<SERVICE>` variables, so nothing in it changes.
 *
 * A new AWS service a bundle calls: add its endpoint variable to `SERVICES` and its request shape to
 * `iamRequestsOf`; an unknown call fails the recording, so it cannot slip past the simulation.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { queueArnOfUrl } from './account-policies';

/** The services the bundles call, by the SDK's endpoint variable. */
export const SERVICES = {
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  sqs: 'AWS_ENDPOINT_URL_SQS',
  events: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
  secretsmanager: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
} as const;
export type AwsService = keyof typeof SERVICES;

/** One AWS call as IAM authorises it. */
export interface RecordedCall {
  /** Who made it: the function's logical id. */
  readonly caller: string;
  /** The API operation, e.g. `SendMessageBatch`. */
  readonly operation: string;
  /** The IAM action it needs on `resource`, e.g. `sqs:SendMessage`. */
  readonly action: string;
  readonly resource: string;
}

/** Where the calls land: account and region of the ARNs. */
export interface RecorderOptions {
  readonly region: string;
  readonly account: string;
  /** The real endpoint of each service. */
  readonly upstreams: Readonly<Record<AwsService, string>>;
}

const SQS_BATCH_ACTIONS: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** The (action, resource) pairs IAM checks for one request; throws on a request it cannot read. */
export function iamRequestsOf(
  service: AwsService,
  target: string,
  body: string,
  where: { region: string; account: string },
): { operation: string; action: string; resource: string }[] {
  const operation = target.split('.').at(-1) ?? '';
  const json = body ? (JSON.parse(body) as Record<string, unknown>) : {};
  const arn = (kind: string, rest: string) => `arn:aws:${kind}:${where.region}:${where.account}:${rest}`;
  switch (service) {
    case 'dynamodb': {
      const table = (name: unknown) =>
        String(name).startsWith('arn:') ? String(name) : arn('dynamodb', `table/${String(name)}`);
      if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
        return Object.keys(json.RequestItems as object).map((name) => ({
          operation,
          action: `dynamodb:${operation}`,
          resource: table(name),
        }));
      }
      if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
        const itemAction = {
          Put: 'PutItem',
          Update: 'UpdateItem',
          Delete: 'DeleteItem',
          ConditionCheck: 'ConditionCheckItem',
          Get: 'GetItem',
        };
        return (json.TransactItems as Record<string, { TableName: string }>[]).flatMap((item) =>
          Object.entries(item).map(([kind, detail]) => ({
            operation,
            action: `dynamodb:${itemAction[kind as keyof typeof itemAction]}`,
            resource: table(detail.TableName),
          })),
        );
      }
      const base = table(json.TableName);
      return [
        {
          operation,
          action: `dynamodb:${operation}`,
          resource: json.IndexName ? `${base}/index/${String(json.IndexName)}` : base,
        },
      ];
    }
    case 'sqs': {
      let queueUrl = json.QueueUrl;
      let name = operation;
      if (!target) {
        // The query protocol (older SDKs): Action=…&QueueUrl=… in a form body.
        const form = new URLSearchParams(body);
        name = form.get('Action') ?? '';
        queueUrl = form.get('QueueUrl');
      }
      return [
        {
          operation: name,
          action: `sqs:${SQS_BATCH_ACTIONS[name] ?? name}`,
          resource: queueArnOfUrl(String(queueUrl)),
        },
      ];
    }
    case 'events': {
      if (operation !== 'PutEvents') throw new Error(`unexpected EventBridge call ${target}`);
      const buses = new Set(
        (json.Entries as { EventBusName?: string }[]).map((entry) => entry.EventBusName ?? 'default'),
      );
      return [...buses].map((bus) => ({
        operation,
        action: 'events:PutEvents',
        resource: bus.startsWith('arn:') ? bus : arn('events', `event-bus/${bus}`),
      }));
    }
    case 'secretsmanager': {
      const id = String(json.SecretId);
      return [
        {
          operation,
          action: `secretsmanager:${operation}`,
          resource: id.startsWith('arn:') ? id : arn('secretsmanager', `secret:${id}`),
        },
      ];
    }
  }
}

/** Recording proxies, one per (caller, service), created on first use. */
export class AwsCallRecorder {
  readonly calls: RecordedCall[] = [];
  /** Requests the recorder could not read (each is a test failure waiting to be looked at). */
  readonly unreadable: string[] = [];
  private readonly servers: Server[] = [];
  private readonly endpoints = new Map<string, Promise<Record<string, string>>>();

  constructor(private readonly options: RecorderOptions) {}

  /** `AWS_ENDPOINT_URL_*` variables that route `caller`'s calls through recording proxies. */
  endpointsFor(caller: string): Promise<Record<string, string>> {
    let endpoints = this.endpoints.get(caller);
    if (!endpoints) {
      endpoints = (async () => {
        const entries = await Promise.all(
          (Object.entries(SERVICES) as [AwsService, string][]).map(async ([service, variable]) => [
            variable,
            await this.proxy(caller, service),
          ]),
        );
        return Object.fromEntries(entries) as Record<string, string>;
      })();
      this.endpoints.set(caller, endpoints);
    }
    return endpoints;
  }

  async close(): Promise<void> {
    for (const server of this.servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  private async proxy(caller: string, service: AwsService): Promise<string> {
    const upstream = new URL(this.options.upstreams[service]);
    const server = createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const body = Buffer.concat(chunks);
        const target = String(incoming.headers['x-amz-target'] ?? '');
        try {
          for (const call of iamRequestsOf(service, target, body.toString('utf8'), this.options))
            this.calls.push({ caller, ...call });
        } catch (error) {
          this.unreadable.push(`${caller} ${service} ${target}: ${(error as Error).message}`);
        }
        const forwarded = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: incoming.method,
            path: incoming.url,
            // Unchanged, Host included: it is part of what the SDK signed.
            headers: incoming.headers,
          },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forwarded.on('error', () => outgoing.destroy());
        forwarded.end(body);
      });
    });
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
}
