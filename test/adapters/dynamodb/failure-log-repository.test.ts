import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoFailureLogRepository, fitFailureLog } from '#adapters/dynamodb/failure-log-repository';
import {
  describeFailureLogRepositoryContract,
  makeFailureLog,
} from '#test/contracts/failure-log-repository.contract';
import { newTenant } from '#test/contracts/tenants';
import { describeEachStore } from '#test/support/dynamodb-stores';

const inDays = (days: number, from = new Date()) => new Date(from.getTime() + days * 86_400_000);

describeEachStore('DynamoFailureLogRepository', ({ store }) => {
  const repository = () => new DynamoFailureLogRepository(store().client, store().tableName);

  describeFailureLogRepositoryContract(
    'DynamoFailureLogRepository',
    (clock) => new DynamoFailureLogRepository(store().client, store().tableName, clock),
  );

  it('stores a log with its attempts and event as native values, under its tenant and its webhook’s index keys', async () => {
    const tenantId = newTenant();
    const log = makeFailureLog(tenantId);
    await repository().put(log, new Date('2100-01-01T00:00:00.500Z'));
    expect(await repository().get(tenantId, log.id)).toEqual(log);

    const ulidPart = log.id.slice('fl_'.length);
    const { Item } = await store().client.send(
      new GetCommand({ TableName: store().tableName, Key: { pk: `T#${tenantId}`, sk: `FL#${ulidPart}` } }),
    );
    expect(Item?.gsi1pk).toBe(`T#${tenantId}#WH#wh_1`);
    expect(Item?.gsi1sk).toBe(`FL#${ulidPart}`);
    expect(Item?.expiresAt).toBe(4_102_444_800);
    expect(Array.isArray(Item?.attempts)).toBe(true);
  });

  // DynamoDB refuses items over 400 KB; other stores have no such limit, so this is the adapter's own rule.
  it('stores a log whose event is larger than an item may be, with the data cut to a snippet', async () => {
    const tenantId = newTenant();
    const huge = 'x'.repeat(500_000);
    const log = makeFailureLog(tenantId);
    log.event.data = { message: { text: huge } };
    await repository().put(log, inDays(30));
    const stored = await repository().get(tenantId, log.id);
    expect(stored?.event.data.truncated).toBe(true);
    expect(String(stored?.event.data.snippet).startsWith('{"message":{"text":"xxx')).toBe(true);
    expect(stored?.attempts).toEqual(log.attempts);
  });
});

describe('fitFailureLog', () => {
  it('leaves a log within budget untouched', () => {
    const log = makeFailureLog('t1');
    expect(fitFailureLog(log)).toBe(log);
  });

  it('cuts the data first, then attempt texts, until the log fits', () => {
    const log = makeFailureLog('t1', {
      attempts: Array.from({ length: 8 }, () => ({
        at: '2026-01-01T00:00:00.000Z',
        durationMs: 1,
        error: 'e'.repeat(50_000),
        responseSnippet: 'r'.repeat(50_000),
      })),
      lastError: 'e'.repeat(50_000),
    });
    log.event.data = { blob: 'd'.repeat(100_000) };
    const fitted = fitFailureLog(log);
    expect(fitted.event.data.truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThan(350_000);
    expect(fitted.attempts).toHaveLength(8);
    expect(fitted.attempts[0]?.error).toHaveLength(1_024);
    expect(fitted.lastError).toHaveLength(1_024);
  });
});
