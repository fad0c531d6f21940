/** Lambda events and context as AWS builds them, for handler tests. */
import type { Context, EventBridgeEvent, SQSEvent, SQSRecord } from 'aws-lambda';

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
