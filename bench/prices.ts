/**
 * AWS list prices used by the cost model: us-east-1, on-demand, no free tier. Written from AWS's
 * public price pages; `asOf` is the date each was last confirmed. On 2026-11-24 the Lambda, SQS,
 * DynamoDB on-demand and EventBridge figures were checked against price guides dated March to June
 * 2026 (AWS's own pages cannot be reached from the machine the bench runs on), hence 2026-06; the
 * Secrets Manager and CloudWatch Logs figures were not re-checked. Re-check at `source` before quoting.
 */

/** One list price. */
export interface Price {
  /** US dollars per `unit`. */
  usd: number;
  unit: string;
  /** When the figure was believed current (YYYY-MM). */
  asOf: string;
  source: string;
}

export const PRICES = {
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'GB-second (arm64, first 7.5 billion GB-s per month)',
    asOf: '2026-06',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaRequests: {
    usd: 0.2 / 1e6,
    unit: 'request',
    asOf: '2026-06',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  sqsStandardRequests: {
    usd: 0.4 / 1e6,
    unit: 'request (standard queue, each 64 KB chunk of a payload is one request)',
    asOf: '2026-06',
    source: 'https://aws.amazon.com/sqs/pricing/',
  },
  sqsFifoRequests: {
    usd: 0.5 / 1e6,
    unit: 'request (FIFO queue, each 64 KB chunk of a payload is one request)',
    asOf: '2026-06',
    source: 'https://aws.amazon.com/sqs/pricing/',
  },
  dynamoDbWriteRequestUnits: {
    usd: 0.625 / 1e6,
    unit: 'write request unit (on-demand, after the November 2024 price cut)',
    asOf: '2026-06',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoDbReadRequestUnits: {
    usd: 0.125 / 1e6,
    unit: 'read request unit (on-demand, after the November 2024 price cut)',
    asOf: '2026-06',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  eventBridgeCustomEvents: {
    usd: 1.0 / 1e6,
    unit: 'custom event published (each 64 KB chunk is one event)',
    asOf: '2026-06',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
  },
  eventBridgeApiDestinationInvocations: {
    usd: 0.2 / 1e6,
    unit: 'API destination invocation',
    asOf: '2026-06',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
  },
  secretsManagerApiCalls: {
    usd: 0.05 / 1e4,
    unit: 'API call',
    asOf: '2025-06',
    source: 'https://aws.amazon.com/secrets-manager/pricing/',
  },
  cloudWatchLogsIngestion: {
    usd: 0.5,
    unit: 'GB ingested (standard log class)',
    asOf: '2025-06',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
} as const satisfies Record<string, Price>;
