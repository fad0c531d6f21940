/**
 * Builds the API Gateway HTTP API (payload format 2.0) event that AWS would hand the admin
 * Lambda, so the local server invokes the very same handler with the very same input.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';

/** What the local server knows of an incoming request. */
export interface IncomingApiRequest {
  method: string;
  /** The request target, e.g. `/v1/webhooks?limit=5`. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  sourceIp: string;
}

/**
 * What the route's authorizer vouched for, as API Gateway puts it on the event: a JWT's claims, a
 * Lambda authorizer's context, or an IAM caller.
 */
export type EventAuthorizer =
  | { jwt: Record<string, string> }
  | { lambda: Record<string, string> }
  | { iam: { userArn: string } };

/** The event for `request`; `authorizer` present only when the caller authenticated. */
export function buildHttpApiEvent(
  request: IncomingApiRequest,
  authorizer: EventAuthorizer | undefined,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const claims = authorizer && 'jwt' in authorizer ? authorizer.jwt : undefined;
  const url = new URL(request.url, 'http://local');
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'cookie') cookies.push(...[value].flat());
    // API Gateway joins repeated headers with commas.
    else headers[lower] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const isText = isUtf8(request.body);
  const now = new Date();
  const event = {
    version: '2.0',
    routeKey: url.pathname === '/health' ? 'GET /health' : 'ANY /v1/{proxy+}',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(cookies.length > 0 ? { cookies } : {}),
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(request.body.length > 0
      ? { body: isText ? request.body.toString('utf8') : request.body.toString('base64') }
      : {}),
    isBase64Encoded: request.body.length > 0 && !isText,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: request.method.toUpperCase(),
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: url.pathname === '/health' ? 'GET /health' : 'ANY /v1/{proxy+}',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer:
        authorizer && 'lambda' in authorizer
          ? { lambda: authorizer.lambda }
          : authorizer && 'iam' in authorizer
            ? { iam: { ...authorizer.iam, accessKey: 'local', accountId: '000000000000', callerId: 'local' } }
            : { principalId: '', integrationLatency: 0, jwt: { claims: claims ?? {}, scopes: [] } },
    },
  };
  return event as APIGatewayProxyEventV2WithJWTAuthorizer;
}

function isUtf8(body: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}
