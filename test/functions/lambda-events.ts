/** Lambda events and context as AWS builds them, for handler tests. */
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  Context,
  EventBridgeEvent,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';

export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'request-1',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function sqsEvent(bodies: { messageId: string; body: string }[]): SQSEvent {
  return {
    Records: bodies.map(
      ({ messageId, body }): SQSRecord => ({
        messageId,
        receiptHandle: `handle-${messageId}`,
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '1772366400000',
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: '1772366400000',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:deliveries',
        awsRegion: 'eu-west-1',
      }),
    ),
  };
}

export function busEvent(
  detailType: string,
  detail: unknown,
  source = 'chat.platform',
): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source,
    account: '000000000000',
    time: '2026-03-01T12:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  };
}

/**
 * An API Gateway HTTP API (payload 2.0) request as the JWT authorizer hands it over: `claims` are the
 * verified token's claims, absent for a route without the authorizer (`GET /health`).
 */
export function httpApiEvent(request: {
  method: string;
  path: string;
  claims?: Record<string, string | number | boolean | string[]>;
  /** An IAM caller (the platform's routes on AWS) instead of a JWT. */
  iam?: { userArn: string };
  /** A Lambda authorizer's context (a portal session, on /portal/v1) instead of a JWT. */
  lambda?: Record<string, string>;
  body?: unknown;
  query?: Record<string, string>;
}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  const query = request.query ?? {};
  const rawQueryString = new URLSearchParams(query).toString();
  return {
    version: '2.0',
    routeKey: request.claims ? 'ANY /v1/{proxy+}' : `${request.method} ${request.path}`,
    rawPath: request.path,
    rawQueryString,
    headers: {
      host: 'abc123.execute-api.eu-west-1.amazonaws.com',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(rawQueryString ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method: request.method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'test',
      },
      requestId: 'request-1',
      routeKey: request.claims ? 'ANY /v1/{proxy+}' : `${request.method} ${request.path}`,
      stage: '$default',
      time: '01/Mar/2026:12:00:00 +0000',
      timeEpoch: 1772366400000,
      authorizer: request.iam
        ? ({
            iam: { accessKey: 'AKIA', accountId: '000000000000', callerId: 'caller', ...request.iam },
          } as never)
        : request.lambda
          ? ({ lambda: request.lambda } as never)
          : {
              principalId: '',
              integrationLatency: 0,
              jwt: { claims: request.claims ?? {}, scopes: [] },
            },
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}
