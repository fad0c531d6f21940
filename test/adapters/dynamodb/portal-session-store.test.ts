import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect, it } from 'vitest';
import { DynamoPortalSessionStore } from '#adapters/dynamodb/portal-session-store';
import { portalTokenDigest } from '#domain/portal';
import { describePortalSessionStoreContract } from '#test/contracts/portal-session-store.contract';
import { describeEachStore } from '#test/support/dynamodb-stores';

describeEachStore('DynamoPortalSessionStore', ({ store }) => {
  describePortalSessionStoreContract(
    'DynamoPortalSessionStore',
    () => new DynamoPortalSessionStore(store().client, store().tableName),
  );

  it('keeps only the digest of a token, with the TTL attribute set', async () => {
    const token = 'ptl_secret-token-value';
    const digest = portalTokenDigest(token);
    const expiresAt = new Date(Date.now() + 60_000);
    await new DynamoPortalSessionStore(store().client, store().tableName).saveLink(
      digest,
      { tenantId: 'tenant-a', capabilities: ['read'], brandIds: null, sessionSeconds: 60, generation: 0 },
      expiresAt,
    );
    const { Item } = await store().client.send(
      new GetCommand({ TableName: store().tableName, Key: { pk: `PL#${digest}`, sk: 'PORTAL_LINK' } }),
    );
    expect(Item?.expiresAt).toBe(Math.floor(expiresAt.getTime() / 1000));
    expect(JSON.stringify(Item)).not.toContain(token);
  });
});
