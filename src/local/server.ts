/**
 * The local runtime's single HTTP port (docs/contract.md#local-runtime): the admin API (as API Gateway would
 * invoke it) and EventBridge's PutEvents, told apart by X-Amz-Target. The local SQS service is
 * answered in-process (`answerAwsCall`), never on this port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { PORTAL_API_PREFIX } from '#domain/portal';
import { JSON_HEADERS } from '#functions/commons/http/error-responses';
import type { PortalAuthorizerResult } from '#functions/portal-authorizer';
import type { AdminTokenRegistry } from './admin-tokens';
import { buildHttpApiEvent, type EventAuthorizer } from './api-gateway-event';
import { type LocalAwsKey, verifyAwsCaller } from './aws-caller-key';
import { isConsoleRequest, serveConsoleFile } from './console-files';
import { awsError, type ProtocolResponse } from './eventbridge-ingest';
import { FailedTokenLimiter } from './failed-token-limiter';

/**
 * The only AWS operation PORT answers (docs/contract.md#local-runtime: admin API, console, /health and the PutEvents
 * ingest, nothing else). The local queues are reached in-process; an SQS call on PORT could forge
 * delivery tasks that the service would sign with a tenant's secret, so it is refused with a 400.
 */
const PORT_AWS_TARGETS: ReadonlySet<string> = new Set(['AWSEvents.PutEvents']);

/** Above every protocol's own limit (SQS batches reach 1 MiB), so each can answer with its own error. */
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

/**
 * Who makes an AWS call: the runtime's own clients, in-process, or a caller from outside that proved
 * it holds this DATA_DIR's key (docs/contract.md#local-runtime); only the service may publish its notices.
 */
export type AwsCaller = 'service' | 'outside';

/** What the server dispatches to. */
export interface LocalServerRoutes {
  tokens: AdminTokenRegistry;
  /** This DATA_DIR's access key pair: an AWS call on PORT must carry a SigV4 signature made with it. */
  awsKey: LocalAwsKey;
  tenantClaim: string;
  api: (
    event: APIGatewayProxyEventV2WithJWTAuthorizer,
    context: Context,
  ) => Promise<APIGatewayProxyStructuredResultV2>;
  putEvents: (body: string, caller: AwsCaller) => Promise<ProtocolResponse>;
  /** `signal` ends a long poll early (its client went away); calls that never long-poll pass none. */
  sqs: (target: string, body: string, signal?: AbortSignal) => Promise<ProtocolResponse>;
  /** A fault of the service while answering: worth an ERROR. */
  onError: (error: unknown) => void;
  /**
   * The client went away mid-request (closed or reset its connection): its own doing, not the
   * service's, so it is reported here (at most INFO) instead of to onError; nothing is answered.
   */
  onClientAbort?: (error: unknown) => void;
  /** Directory of the built admin console (console/dist); absent = no console on this server. */
  consoleDir?: string;
  /** PLATFORM_TOKENS: bearer tokens that act as the platform (IAM on AWS); absent = none. */
  platformTokens?: AdminTokenRegistry;
  /** The portal-session authorizer, run in front of /portal/v1 as API Gateway runs it on AWS. */
  authorizePortal?: (event: { headers: Record<string, string> }) => Promise<PortalAuthorizerResult>;
  /** Wrong tokens per source address (docs/contract.md#limits); absent = the default rule. */
  failedTokens?: FailedTokenLimiter;
  /** PORTAL_ALLOWED_ORIGINS: who may frame the console's portal mode. */
  portalAllowedOrigins?: readonly string[];
  /**
   * Why the runtime cannot deliver right now (no delivery thread is up), or undefined when it can:
   * `/health` answers 503 with the reason instead of 200, so a supervisor or a test waiting for the
   * service never takes a runtime that accepts events but cannot send them for a healthy one.
   */
  unreadiness?: () => string | undefined;
}

/** Creates (but does not start) the HTTP server. */
export function createLocalServer(routes: LocalServerRoutes): Server {
  // Read from `routes` at each request: the runtime binds some routes after the server listens.
  const failedTokens = routes.failedTokens ?? new FailedTokenLimiter();
  const server = createServer((request, response) => {
    dispatch(routes, failedTokens, request, response).catch((error: unknown) => {
      if (isClientAbort(error, request, response)) {
        routes.onClientAbort?.(error);
        response.destroy();
        return;
      }
      routes.onError(error);
      if (!response.headersSent) {
        // An AWS client needs the AWS shape to raise a typed, retryable error (not UnknownError).
        if (header(request, 'x-amz-target') !== undefined) {
          writeProtocol(response, awsError(500, 'InternalException', 'Internal error; retry the request'));
        } else {
          writeJson(response, 500, { error: { code: 'internal_error', message: 'Internal error' } });
        }
      } else {
        response.destroy();
      }
    });
  });
  // Node's parser rejects oversized or malformed request heads before any route runs; answer those
  // in the API's error shape too, as API Gateway would, instead of Node's bare status line.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    const isTooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = isTooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const body = JSON.stringify({
      error: isTooLarge
        ? { code: 'headers_too_large', message: 'Request line and headers are too large' }
        : { code: 'bad_request', message: 'Malformed HTTP request' },
    });
    // The answer to HEAD has no body (RFC 9110 section 9.3.2), or the client reads it as garbage
    // after the head; the request line is all Node saw of the method, so read it from the packet.
    const rawPacket = (error as { rawPacket?: Buffer }).rawPacket;
    const isHead = rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.end(
      `HTTP/1.1 ${status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${isHead ? '' : body}`,
    );
  });
  // Clients such as the AWS SDK keep connections alive; long polls take up to 20 s.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;
  return server;
}

async function dispatch(
  routes: LocalServerRoutes,
  failedTokens: FailedTokenLimiter,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const target = header(request, 'x-amz-target');
  const body = await readBody(request);
  if (body === undefined) {
    request.resume();
    // Each protocol answers in its own shape: PutEvents as EventBridge does for an oversized request.
    if (target !== undefined) {
      writeProtocol(
        response,
        target === 'AWSEvents.PutEvents'
          ? awsError(
              400,
              'ValidationException',
              'Total size of the entries in the request is over the limit.',
            )
          : awsError(400, 'UnknownOperationException', `X-Amz-Target ${target} is not served on this port`),
      );
      return;
    }
    writeJson(response, 413, {
      error: { code: 'payload_too_large', message: `Request body over ${MAX_REQUEST_BYTES} bytes` },
    });
    return;
  }
  const foreign = foreignAwsProtocol(request, body, target);
  if (foreign !== undefined) {
    writeAwsError(response, 400, 'UnknownOperationException', `${foreign} is not served on this port`);
    return;
  }
  if (target !== undefined) {
    const refused = await verifyAwsCaller(
      { method: request.method ?? 'POST', url: request.url ?? '/', headers: request.headers, body },
      routes.awsKey,
      'events',
    );
    if (refused !== undefined) {
      writeProtocol(response, refused);
      return;
    }
    const abort = new AbortController();
    response.once('close', () => abort.abort());
    const answer = await answerAwsCall(routes, target, body.toString('utf8'), abort.signal, 'outside');
    if (response.destroyed) return;
    response.writeHead(answer.statusCode, answer.headers).end(answer.body);
    return;
  }
  // The admin console (docs/contract.md#console): GET/HEAD of any path outside /v1 and /health.
  const method = request.method ?? 'GET';
  const url = request.url ?? '/';
  const notReady = url.split('?')[0] === '/health' ? routes.unreadiness?.() : undefined;
  if (notReady !== undefined) {
    const answer = JSON.stringify({ status: 'unavailable', reason: notReady });
    response
      .writeHead(503, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(answer),
        'cache-control': 'no-store',
      })
      .end(method === 'HEAD' ? undefined : answer);
    return;
  }
  if (routes.consoleDir !== undefined && isConsoleRequest(method, url.split('?')[0]!)) {
    const file = await serveConsoleFile(routes.consoleDir, url, routes.portalAllowedOrigins);
    response.writeHead(file.statusCode, file.headers).end(method === 'HEAD' ? undefined : file.body);
    return;
  }
  // Node keeps only the first of a repeated Content-Type or Authorization; API Gateway joins them with
  // commas, which no JSON parser or authorizer accepts. Hand the handler every value, as AWS would.
  const authorizations = request.headersDistinct.authorization ?? [];
  const authorization = authorizations.length > 1 ? undefined : authorizations[0];
  // A source past its wrong-token budget has no token checked until it waits (docs/contract.md#limits).
  const sourceAddress = request.socket.remoteAddress;
  const presentsToken = authorizations.length > 0;
  const waitSeconds = presentsToken ? failedTokens.retryAfter(sourceAddress) : undefined;
  if (waitSeconds !== undefined) {
    const answer = JSON.stringify({
      error: {
        code: 'rate_limited',
        message: `Too many wrong tokens from this address; retry after ${waitSeconds} s`,
      },
    });
    response
      .writeHead(429, { ...JSON_HEADERS, 'retry-after': String(waitSeconds) })
      .end(method === 'HEAD' ? undefined : answer);
    return;
  }
  const authorizer = await authorizerOf(routes, url.split('?')[0]!, authorization);
  const event = buildHttpApiEvent(
    {
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers: request.headersDistinct,
      body,
      sourceIp: sourceAddress ?? '127.0.0.1',
    },
    authorizer,
  );
  const result = await routes.api(event, lambdaContext('chat-webhooks-api'));
  // A token the route refused (401), not one a public route (/health, the OpenAPI document) ignored.
  if (presentsToken && authorizer === undefined && result.statusCode === 401) {
    failedTokens.fail(sourceAddress);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  const payload =
    result.body === undefined
      ? ''
      : result.isBase64Encoded
        ? Buffer.from(result.body, 'base64')
        : result.body;
  response.writeHead(result.statusCode ?? 200, headers).end(request.method === 'HEAD' ? undefined : payload);
}

/**
 * What API Gateway's authorizer of the route would vouch for: on /portal/v1 the portal-session
 * authorizer only; elsewhere the platform's tokens (IAM on AWS) or an admin token (a JWT on AWS).
 */
async function authorizerOf(
  routes: LocalServerRoutes,
  path: string,
  authorization: string | undefined,
): Promise<EventAuthorizer | undefined> {
  if (path === `${PORTAL_API_PREFIX}/v1` || path.startsWith(`${PORTAL_API_PREFIX}/v1/`)) {
    if (!routes.authorizePortal || authorization === undefined) return undefined;
    const result = await routes.authorizePortal({ headers: { authorization } });
    return result.isAuthorized ? { lambda: { ...result.context } } : undefined;
  }
  const platform = routes.platformTokens?.authenticate(authorization);
  if (platform !== undefined) return { iam: { userArn: `local:${platform}` } };
  const tenantId = routes.tokens.authenticate(authorization);
  if (tenantId === undefined) return undefined;
  return { jwt: { [routes.tenantClaim]: tenantId, sub: `local-token:${tenantId}` } };
}

/**
 * Answers one AWS JSON-protocol call (PutEvents or SQS), told apart by its X-Amz-Target. `caller`
 * is the runtime itself unless the call came over a port (and its signature was checked there).
 */
export function answerAwsCall(
  routes: Pick<LocalServerRoutes, 'putEvents' | 'sqs'>,
  target: string,
  body: string,
  signal?: AbortSignal,
  caller: AwsCaller = 'service',
): Promise<ProtocolResponse> {
  if (target === 'AWSEvents.PutEvents') return routes.putEvents(body, caller);
  if (target.startsWith('AmazonSQS.')) return routes.sqs(target, body, signal);
  return Promise.resolve({
    statusCode: 400,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify({ __type: 'UnknownOperationException', message: `Unknown operation ${target}` }),
  });
}

/**
 * What names an AWS call PORT does not serve, or undefined: an X-Amz-Target outside the allow-list,
 * or the query protocol (SQS, SNS, STS…: an `Action` parameter in the query string or a form body).
 */
export function foreignAwsProtocol(
  request: Pick<IncomingMessage, 'url' | 'headers'>,
  body: Buffer,
  target: string | undefined,
): string | undefined {
  if (target !== undefined) return PORT_AWS_TARGETS.has(target) ? undefined : `X-Amz-Target ${target}`;
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
  const contentType = String(request.headers['content-type'] ?? '').toLowerCase();
  const form = contentType.startsWith('application/x-www-form-urlencoded')
    ? new URLSearchParams(body.toString('utf8'))
    : undefined;
  const action = query.get('Action') ?? form?.get('Action');
  if (action) return `AWS query protocol action ${action}`;
  if (contentType.startsWith('application/x-amz-json-')) return 'an AWS JSON call without X-Amz-Target';
  return undefined;
}

function writeAwsError(response: ServerResponse, statusCode: number, type: string, message: string): void {
  writeProtocol(response, awsError(statusCode, type, message));
}

function writeProtocol(response: ServerResponse, answer: ProtocolResponse): void {
  response.writeHead(answer.statusCode, answer.headers).end(answer.body);
}

/** A minimal Lambda context, for handlers and middlewares that read it. */
export function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + 60_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * True when `error` comes from the client leaving: Node's 'aborted' / ECONNRESET on the request,
 * or an AbortError after the response closed. A fault of the service never destroys the request.
 */
function isClientAbort(error: unknown, request: IncomingMessage, response: ServerResponse): boolean {
  if (!request.destroyed && !(response.destroyed && !response.writableEnded)) return false;
  const { code, name, message } = (error ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  return code === 'ECONNRESET' || code === 'ECONNABORTED' || name === 'AbortError' || message === 'aborted';
}

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_REQUEST_BYTES) {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let isTooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) isTooLarge = true;
      if (!isTooLarge) chunks.push(chunk);
    });
    request.on('end', () => resolve(isTooLarge ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function writeJson(response: ServerResponse, statusCode: number, body: unknown): void {
  response
    .writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8' })
    .end(JSON.stringify(body));
}
