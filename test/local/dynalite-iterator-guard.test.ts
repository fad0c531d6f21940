import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '#adapters/aws-clients';
import { installDynaliteIteratorGuard } from '#local/dynalite-iterator-guard';
import { startEmbeddedDynamo } from '#local/embedded-dynamodb';

const require = createRequire(import.meta.url);
const tableName = 'chat-webhooks';

/** Counts the native LevelDB iterators dynalite opens and closes (classic-level is its on-disk binding). */
function countIterators(): { opened: number; closed: number; restore(): void } {
  const dynaliteDir = join(require.resolve('dynalite/package.json'), '..');
  const { ClassicLevel } = require(require.resolve('classic-level', { paths: [dynaliteDir] })) as {
    ClassicLevel: { prototype: { _iterator: (...args: unknown[]) => { _close: () => Promise<void> } } };
  };
  const original = ClassicLevel.prototype._iterator;
  const counts = {
    opened: 0,
    closed: 0,
    restore: () => {
      ClassicLevel.prototype._iterator = original;
    },
  };
  ClassicLevel.prototype._iterator = function (this: unknown, ...args: unknown[]) {
    const iterator = original.apply(this, args);
    counts.opened += 1;
    const close = iterator._close.bind(iterator);
    iterator._close = async () => {
      counts.closed += 1;
      await close();
    };
    return iterator;
  };
  return counts;
}

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'iterator-guard-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the embedded store closes the LevelDB iterator of every Query', () => {
  it('closes each one, whether the query read its range to the end or stopped at its Limit', async () => {
    const counts = countIterators();
    const store = await startEmbeddedDynamo({ dataDir, tableName });
    const client = createDocumentClient({ endpoint: store.endpoint });
    try {
      for (let index = 0; index < 20; index++) {
        await client.send(new PutCommand({ TableName: tableName, Item: { pk: 'p', sk: `s${index}` } }));
      }
      const openedBefore = counts.opened;
      for (let query = 0; query < 30; query++) {
        const { Items } = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': 'p' },
            ...(query % 2 === 0 ? { Limit: 1 } : {}),
          }),
        );
        expect(Items?.length).toBe(query % 2 === 0 ? 1 : 20);
      }
      expect(counts.opened - openedBefore).toBeGreaterThanOrEqual(30);
      // Closing is asynchronous: wait for it (every one, not a sample).
      await vi.waitFor(() => expect(counts.closed).toBe(counts.opened), { timeout: 10_000 });
    } finally {
      client.destroy();
      await store.close();
      counts.restore();
    }
  });

  it('installs once: a second call finds the iterators already closable', () => {
    expect(installDynaliteIteratorGuard(require)).toBe(false);
  });
});
