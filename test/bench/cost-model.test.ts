import { describe, expect, it } from 'vitest';
import {
  billedMsAt,
  deliveryLogWriteUnitsPerDelivery,
  estimateCost,
  LAMBDA_MB_PER_VCPU,
  type MeasuredUsage,
  measuredWriteUnits,
  payloadWriteUnits,
  RECORD_UPDATES_KEY,
  storeReadUnits,
} from '#bench/cost-model';
import { MEMORY_MB } from '#bench/memory-sizes';
import { PRICES } from '#bench/prices';
import { FUNCTION_SIZING } from '#lib/function-sizing';

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

  it('bills consistent reads one unit per GetItem or Query and one per item a BatchGetItem asked for', () => {
    const requests = {
      'DynamoDB.GetItem': 3,
      'DynamoDB.Query': 2,
      'DynamoDB.BatchGetItem': 2,
      'DynamoDB.BatchGetItem:items': 9,
      'DynamoDB.PutItem': 5,
      'SQS.ReceiveMessage': 7,
    };
    expect(storeReadUnits(requests)).toBe(3 + 2 + 9);
    const withBatches = estimateCost({
      events: 1000,
      deliveries: 5000,
      requests,
      publishedEvents: 1000,
      handlerTimes: new Map(),
      logBytes: 0,
    });
    const reads = withBatches.service.find((line) => line.item.startsWith('DynamoDB reads'));
    expect(reads?.quantity).toBeCloseTo(14_000);
    expect(reads?.usd).toBeCloseTo(14_000 * PRICES.dynamoDbReadRequestUnits.usd);
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

describe('the delivery log and receiver latency in the cost model', () => {
  const usage: MeasuredUsage = {
    events: 100,
    deliveries: 500,
    requests: { 'SQS.SendMessageBatch': 100, 'SQS.ReceiveMessage': 50, 'SQS.DeleteMessageBatch': 50 },
    publishedEvents: 100,
    handlerTimes: new Map([['delivery', { invocations: 50, totalMs: 50 * 210 }]]),
    logBytes: 0,
  };

  it('writes one unit per attempt outcome plus the payload once per event in `all`, nothing for successes in `failures`', () => {
    expect(deliveryLogWriteUnitsPerDelivery('all', 5, 0)).toBeCloseTo(1 + 1 / 5);
    expect(deliveryLogWriteUnitsPerDelivery('failures', 5, 0)).toBe(0);
    expect(deliveryLogWriteUnitsPerDelivery('off', 5, 2)).toBe(0);
    // One failed attempt in ten deliveries: 0.1 attempt records and, at most, one payload per failing event.
    expect(deliveryLogWriteUnitsPerDelivery('failures', 5, 0.1)).toBeCloseTo(0.1 + 0.5 * (1 / 5));
    expect(
      deliveryLogWriteUnitsPerDelivery('all', 5, 0, {
        writeUnitsPerAttempt: 2,
        payloadWriteUnitsPerEvent: 3,
      }),
    ).toBeCloseTo(2 + 3 / 5);
    expect(payloadWriteUnits(1)).toBe(1);
    expect(payloadWriteUnits(1024)).toBe(1);
    expect(payloadWriteUnits(1025)).toBe(2);
  });

  it('prices the log at the DynamoDB write price and leaves it out of the requests floor', () => {
    const all = estimateCost(usage, { deliveryLog: 'all' });
    const failures = estimateCost(usage, { deliveryLog: 'failures' });
    expect(all.deliveryLogUsdPerMillionDeliveries).toBeCloseTo(1.2 * 0.625);
    expect(failures.deliveryLogUsdPerMillionDeliveries).toBe(0);
    expect(all.serviceUsdPerMillionDeliveries - failures.serviceUsdPerMillionDeliveries).toBeCloseTo(
      1.2 * 0.625,
    );
    expect(all.requestFloorUsdPerMillionDeliveries).toBeCloseTo(failures.requestFloorUsdPerMillionDeliveries);
    // Floor: 1 published event, 2 SQS requests and 0.5 delivery invocations per event, over 5 deliveries.
    expect(all.requestFloorUsdPerMillionDeliveries).toBeCloseTo((1 + 2 * 0.4 + 0.5 * 0.2) / 5);
  });

  it('counts retried or dead-lettered attempts (SendMessage) as failed attempts by default', () => {
    const withFailures = estimateCost(
      { ...usage, requests: { ...usage.requests, 'SQS.SendMessage': 50 } },
      { deliveryLog: 'failures' },
    );
    expect(withFailures.deliveryLogWriteUnitsPerDelivery).toBeCloseTo(0.1 + 0.5 * (1 / 5));
  });

  it('takes the failed attempts from the records the full log updated, not from postponements, when it has them', () => {
    // 50 single sends (slot postponements and retries alike), of which the full log recorded 10 as
    // attempt outcomes other than a first success: `failures` would write those 10.
    const measured: MeasuredUsage = {
      ...usage,
      deliveryLogMode: 'all',
      requests: { ...usage.requests, 'SQS.SendMessage': 50, [RECORD_UPDATES_KEY]: 10 },
    };
    const failures = estimateCost(measured, { deliveryLog: 'failures' });
    expect(failures.deliveryLogWriteUnitsPerDelivery).toBeCloseTo(10 / 500 + ((10 / 500) * 5) / 5);
    // A run in another mode (or with an older counter) still reads the single sends.
    const other = estimateCost({ ...measured, deliveryLogMode: 'failures' }, { deliveryLog: 'failures' });
    expect(other.deliveryLogWriteUnitsPerDelivery).toBeCloseTo(0.1 + 0.5 * (1 / 5));
    // No record updated at all (health's updates counted): nothing failed.
    const { [RECORD_UPDATES_KEY]: _none, ...withoutRecords } = measured.requests;
    const clean = estimateCost(
      { ...measured, requests: { ...withoutRecords, 'DynamoDB.UpdateItem:HEALTH': 3 } },
      { deliveryLog: 'failures' },
    );
    expect(clean.deliveryLogWriteUnitsPerDelivery).toBe(0);
  });

  it('bills the waiting time in full and stretches only the CPU part below one vCPU', () => {
    expect(billedMsAt(LAMBDA_MB_PER_VCPU, 210, 10)).toBeCloseTo(210);
    expect(billedMsAt(4096, 210, 10)).toBeCloseTo(210);
    expect(billedMsAt(LAMBDA_MB_PER_VCPU / 4, 210, 10)).toBeCloseTo(200 + 40);
    const at256 = estimateCost(usage, { deliveryMemoryMb: 256, deliveryCpuMsPerInvocation: 10 });
    const line = at256.service.find((item) => item.item.startsWith('Lambda delivery: duration'));
    // 50 invocations per 100 events, each billed 200 + 10 × 1769/256 ms at 0.25 GB.
    expect(line?.item).toContain('256 MB');
    expect(line?.quantity).toBeCloseTo(0.5 * ((200 + 10 * (LAMBDA_MB_PER_VCPU / 256)) / 1000) * 0.25 * 1e6);
  });

  it('prices the log mode the service ran in from its measured write units, the other mode from the model', () => {
    const measured: MeasuredUsage = {
      ...usage,
      requests: {
        ...usage.requests,
        'DynamoDB.BatchWriteItem': 20,
        'DynamoDB.PutItem': 100,
        'DynamoDB.WriteUnits:DL': 200,
        'DynamoDB.WriteUnits:PAYLOAD': 100,
        'DynamoDB.WriteUnits:HEALTH': 5,
      },
      deliveryLogMode: 'all',
    };
    expect(measuredWriteUnits(measured.requests)).toEqual({
      log: 300,
      other: 5,
      byFamily: { DL: 200, PAYLOAD: 100, HEALTH: 5 },
    });
    const all = estimateCost(measured, { deliveryLog: 'all' });
    const failures = estimateCost(measured, { deliveryLog: 'failures' });
    // 300 log units over 500 deliveries, at the write price; health is written in either mode.
    expect(all.deliveryLogWriteUnitsPerDelivery).toBeCloseTo(0.6);
    expect(all.deliveryLogUsdPerMillionDeliveries).toBeCloseTo(0.6 * 0.625);
    expect(failures.deliveryLogWriteUnitsPerDelivery).toBe(0);
    const writes = (estimate: typeof all) =>
      estimate.service.find((line) => line.item.startsWith('DynamoDB writes: webhooks'));
    expect(writes(all)?.quantity).toBeCloseTo((5 / 100) * 1e6);
    expect(writes(failures)?.quantity).toBeCloseTo((5 / 100) * 1e6);
    expect(all.serviceUsdPerMillionDeliveries - failures.serviceUsdPerMillionDeliveries).toBeCloseTo(
      0.6 * 0.625,
    );
    // Write units are not requests: the SQS line and the requests floor leave them out.
    expect(all.requestFloorUsdPerMillionDeliveries).toBeCloseTo((1 + 2 * 0.4 + 0.5 * 0.2 + 0.05 * 0.625) / 5);
  });

  it('measures nothing when the counter holds no write units', () => {
    expect(measuredWriteUnits({ 'DynamoDB.PutItem': 3 })).toBeUndefined();
  });
});
