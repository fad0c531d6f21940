import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../bench/cost-model';
import { MEMORY_MB } from '../../bench/memory-sizes';
import { PRICES } from '../../bench/prices';
import { FUNCTION_SIZING } from '../../lib/function-sizing';

describe('estimateCost', () => {
  const estimate = estimateCost({
    events: 1000,
    deliveries: 5000,
    requests: {
      'SQS.SendMessageBatch': 1000,
      'SQS.ReceiveMessage': 500,
      'DynamoDB.GetItem': 10,
      'DynamoDB.PutItem': 4,
      'DynamoDB.CreateTable': 1,
      'SecretsManager.GetSecretValue': 2,
    },
    publishedEvents: 1000,
    handlerTimes: new Map([['delivery', { invocations: 500, totalMs: 10_000 }]]),
    logBytes: 100_000,
  });
  const item = (prefix: string) => estimate.service.find((line) => line.item.startsWith(prefix));

  it('scales each measured request kind to a million events at its list price', () => {
    expect(item('SQS requests')?.quantity).toBeCloseTo(1_500_000);
    expect(item('SQS requests')?.usd).toBeCloseTo(1.5 * 0.4);
    expect(item('DynamoDB reads')?.quantity).toBeCloseTo(10_000);
    // Control-plane calls such as CreateTable are not billed per request.
    expect(item('DynamoDB writes')?.quantity).toBeCloseTo(4_000);
    expect(item('Secrets Manager calls')?.usd).toBeCloseTo(2_000 * PRICES.secretsManagerApiCalls.usd);
  });

  it('bills handler time at the configured memory size', () => {
    // 10 s of handler time per 1000 events at 1 GiB would be 10 GB-s per 1000 events, 10,000 per million.
    expect(item('Lambda delivery: duration')?.quantity).toBeCloseTo(10_000 * (MEMORY_MB.delivery / 1024));
    expect(item('Lambda delivery: invocations')?.quantity).toBeCloseTo(500_000);
    // 100 bytes per event: 0.1 GB per million events.
    expect(item('CloudWatch Logs ingestion')?.quantity).toBeCloseTo(0.1);
  });

  it('prices API destinations per invocation, one per delivery, plus the published events', () => {
    expect(estimate.apiDestinationsUsdPerMillionEvents).toBeCloseTo(1 + 5 * 0.2);
    expect(estimate.apiDestinationsUsdPerMillionDeliveries).toBeCloseTo((1 + 5 * 0.2) / 5);
    expect(estimate.serviceUsdPerMillionDeliveries).toBeCloseTo(estimate.serviceUsdPerMillionEvents / 5);
  });

  it('uses the memory sizes the CDK stack deploys', () => {
    expect(MEMORY_MB).toEqual({
      'fan-out': FUNCTION_SIZING.fanOut.memorySize,
      delivery: FUNCTION_SIZING.delivery.memorySize,
      'dlq-processor': FUNCTION_SIZING.dlqProcessor.memorySize,
    });
  });

  it('dates and sources every price', () => {
    for (const price of Object.values(PRICES)) {
      expect(price.asOf).toMatch(/^\d{4}-\d{2}$/);
      expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
      expect(price.usd).toBeGreaterThan(0);
    }
  });
});
