/**
 * A delivery record's update and its index entries are written side by side. When the index write
 * fails first (a socket hung up) while the update is still out, the failure must reach the caller
 * (the delivery log warns, the delivery goes on), never be a rejection nobody awaits: that ends a
 * Lambda environment or a local delivery thread with every batch in it. A fake client, because the
 * order of the two failures cannot be provoked on a real store.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, expect, it } from 'vitest';
import { DynamoDeliveryLogRepository } from '#adapters/dynamodb/delivery-log-repository';
import { outcome } from '#test/contracts/delivery-log-repository.contract';
import { newTenant } from '#test/contracts/tenants';

const stray: unknown[] = [];
const onStray = (reason: unknown) => stray.push(reason);
afterEach(() => {
  process.off('unhandledRejection', onStray);
});

it('a failed index write while the record update is out reaches the caller, not the process', async () => {
  process.on('unhandledRejection', onStray);
  let updateSent!: () => void;
  const updateOut = new Promise<void>((resolve) => {
    updateSent = resolve;
  });
  const client = {
    send: (command: unknown) => {
      if (command instanceof BatchWriteCommand) return Promise.reject(new Error('socket hang up'));
      updateSent();
      // Answers only after Node has looked for unhandled rejections (after this turn's microtasks).
      return new Promise((resolve) => setImmediate(() => setImmediate(() => resolve({}))));
    },
  } as unknown as DynamoDBDocumentClient;
  const log = new DynamoDeliveryLogRepository(client, 'table');
  const recording = log.recordOutcome(
    outcome(newTenant(), { status: 'failed', lastStatusCode: 503 }),
    new Date('2100-01-01T00:00:00Z'),
  );
  await updateOut;
  await expect(recording).rejects.toThrow(/socket hang up/);
  expect(stray).toEqual([]);
});
