import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { expect, it } from 'vitest';
import { createDynamoDbClient } from '#adapters/aws-clients';
import { ensureTable } from '#adapters/dynamodb/create-table';
import { describeEachStore } from '#test/support/dynamodb-stores';

describeEachStore('ensureTable', ({ name, store, freshTable }) => {
  it('creates the keys, the by-webhook index and on-demand billing, and is safe to repeat', async () => {
    const tableName = await freshTable();
    const admin = createDynamoDbClient({ endpoint: store().endpoint });
    try {
      await ensureTable(admin, tableName);
      const { Table } = await admin.send(new DescribeTableCommand({ TableName: tableName }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      const index = Table?.GlobalSecondaryIndexes?.[0];
      expect(index?.IndexName).toBe('gsi1');
      expect(index?.KeySchema).toEqual([
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ]);
      expect(index?.Projection?.ProjectionType).toBe('ALL');
    } finally {
      admin.destroy();
    }
  });

  it(`${name === 'dynamodb-local' ? 'enables' : 'leaves off'} TTL on expiresAt`, async () => {
    const tableName = await freshTable();
    const admin = createDynamoDbClient({ endpoint: store().endpoint });
    try {
      const { TimeToLiveDescription } = await admin.send(
        new DescribeTimeToLiveCommand({ TableName: tableName }),
      );
      if (name === 'dynamodb-local') {
        expect(TimeToLiveDescription?.AttributeName).toBe('expiresAt');
        expect(['ENABLED', 'ENABLING']).toContain(TimeToLiveDescription?.TimeToLiveStatus);
      } else {
        // dynalite: no UpdateTimeToLive, so TTL stays off and the readers' filter does the work.
        expect(TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
      }
    } finally {
      admin.destroy();
    }
  });
});
