/**
 * What every WebhookRepository must do (src/domain/ports.ts), whatever stores it: run against the
 * DynamoDB adapter on each store of the matrix and against the in-memory port the use-case tests use,
 * so the fake cannot drift from the adapter. Storage layout and request shapes (consistent reads,
 * batch sizes, subscription items) are the adapter's own tests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConflictError, LimitReachedError, NotFoundError, ValidationError } from '#domain/errors';
import type { PageKey, StoredWebhook } from '#domain/model';
import type { WebhookListQuery, WebhookRepository } from '#domain/ports';
import { FOREIGN_CURSOR, newTenant, tenantTrio } from '#test/contracts/tenants';

let sequence = 0;

/** A webhook of `tenantId` with every field set; ids are unique across cases unless given. */
export function makeWebhook(tenantId: string, overrides: Partial<StoredWebhook> = {}): StoredWebhook {
  const id = overrides.id ?? `wh_${(sequence++).toString().padStart(6, '0')}`;
  return {
    id,
    tenantId,
    name: `Webhook ${id}`,
    description: '',
    brandId: null,
    events: ['message.created'],
    url: 'https://hooks.example.com/in',
    status: 'active',
    authentication: null,
    signing: { enabled: true },
    signingSecrets: [{ encryptedSecret: 'ciphertext', createdAt: '2026-01-01T00:00:00.000Z' }],
    headers: { 'x-team': 'support' },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...overrides,
  };
}

/** Reads every page of a list query, returning the ids in order and the page count. */
export async function listAllWebhooks(
  repository: WebhookRepository,
  tenantId: string,
  query: Omit<WebhookListQuery, 'startKey'>,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let startKey: PageKey | undefined;
  let pages = 0;
  do {
    const page = await repository.list(tenantId, { ...query, ...(startKey && { startKey }) });
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    if (page.nextKey) expect(page.items.length).toBe(query.limit);
    ids.push(...page.items.map((webhook) => webhook.id));
    startKey = page.nextKey;
    if (pages > 200) throw new Error('pagination does not end');
  } while (startKey);
  return { ids, pages };
}

const sorted = (ids: string[]) => [...ids].sort();

/**
 * Declares the WebhookRepository contract. `makeRepository` is called once per case; the
 * repository it returns may hold other cases' webhooks (each case works in tenants of its own).
 */
export function describeWebhookRepositoryContract(
  name: string,
  makeRepository: () => WebhookRepository,
): void {
  describe(`${name} keeps the WebhookRepository contract`, () => {
    describe('create and get', () => {
      it('stores every field and reads it back', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const webhook = makeWebhook(tenantId, {
          brandId: 'brand-1',
          description: 'Sends chats to the CRM',
          authentication: { type: 'basic', username: 'crm', encryptedPassword: 'cipher' },
          disabledReason: undefined,
        });
        await repository.create(webhook);
        const { disabledReason: _unset, ...expected } = webhook;
        expect(await repository.get(tenantId, webhook.id)).toEqual(expected);
      });

      it('stores custom headers whose names are also Object.prototype names', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const headers = { constructor: ' ', toString: 'x', hasOwnProperty: 'y' };
        const webhook = makeWebhook(tenantId, { headers });
        await repository.create(webhook);
        expect((await repository.get(tenantId, webhook.id))?.headers).toEqual(headers);
      });

      it('refuses a second create with the same id', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const webhook = makeWebhook(tenantId);
        await repository.create(webhook);
        await expect(repository.create({ ...webhook, name: 'other' })).rejects.toBeInstanceOf(ConflictError);
        expect((await repository.get(tenantId, webhook.id))?.name).toBe(webhook.name);
      });

      it('creates at most maxPerTenant webhooks of a tenant however many creates race, and no fewer', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const other = newTenant();
        await repository.create(makeWebhook(tenantId));
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, () => repository.create(makeWebhook(tenantId), { maxPerTenant: 5 })),
        );
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(4);
        for (const result of results) {
          if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(LimitReachedError);
        }
        expect((await listAllWebhooks(repository, tenantId, { limit: 50 })).ids).toHaveLength(5);
        // Another tenant's limit is its own.
        await repository.create(makeWebhook(other), { maxPerTenant: 1 });
        await expect(repository.create(makeWebhook(other), { maxPerTenant: 1 })).rejects.toBeInstanceOf(
          LimitReachedError,
        );
        // Deleting one makes room for exactly one.
        const [first] = (await listAllWebhooks(repository, tenantId, { limit: 50 })).ids;
        await repository.delete(tenantId, first!);
        await repository.create(makeWebhook(tenantId), { maxPerTenant: 5 });
        await expect(repository.create(makeWebhook(tenantId), { maxPerTenant: 5 })).rejects.toBeInstanceOf(
          LimitReachedError,
        );
      });

      it('answers undefined for an unknown id', async () => {
        expect(await makeRepository().get(newTenant(), 'wh_missing')).toBeUndefined();
      });

      it('hands out copies: changing what was written or read does not change the stored webhook', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const webhook = makeWebhook(tenantId);
        await repository.create(webhook);
        webhook.name = 'changed after create';
        const read = await repository.get(tenantId, webhook.id);
        if (!read) throw new Error('not stored');
        read.name = 'changed after get';
        read.events.push('message.edited');
        const [many] = await repository.getMany([{ tenantId, webhookId: webhook.id }]);
        if (!many) throw new Error('not stored');
        many.headers['x-team'] = 'changed after getMany';
        const stored = await repository.get(tenantId, webhook.id);
        expect(stored?.name).toBe(`Webhook ${webhook.id}`);
        expect(stored?.events).toEqual(['message.created']);
        expect(stored?.headers).toEqual({ 'x-team': 'support' });
      });

      it('subscribes an active webhook to each of its event types, an inactive one to none', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const active = makeWebhook(tenantId, { events: ['message.created', 'conversation.created'] });
        const inactive = makeWebhook(tenantId, { events: ['message.created'], status: 'inactive' });
        await repository.create(active);
        await repository.create(inactive);
        expect(await repository.findSubscribers(tenantId, 'message.created', null)).toEqual([active.id]);
        expect(await repository.findSubscribers(tenantId, 'conversation.created', null)).toEqual([active.id]);
      });
    });

    describe('getMany', () => {
      it('answers in the order asked, each as get would, undefined for a missing one or another tenant’s', async () => {
        const repository = makeRepository();
        const { tenantA, tenantB } = tenantTrio();
        const first = makeWebhook(tenantA);
        const second = makeWebhook(tenantB, { name: 'second' });
        await repository.create(first);
        await repository.create(second);
        const found = await repository.getMany([
          { tenantId: tenantB, webhookId: second.id },
          { tenantId: tenantA, webhookId: 'wh_missing' },
          { tenantId: tenantA, webhookId: first.id },
          { tenantId: tenantB, webhookId: second.id },
          // The same id under another tenant is another webhook: it does not exist.
          { tenantId: tenantA, webhookId: second.id },
        ]);
        expect(found.map((webhook) => webhook?.name)).toEqual([
          'second',
          undefined,
          first.name,
          'second',
          undefined,
        ]);
        expect(found[0]).toEqual(second);
        expect(found[2]).toEqual(first);
        expect(await repository.getMany([{ tenantId: tenantA, webhookId: first.id }])).toEqual([first]);
        expect(await repository.getMany([])).toEqual([]);
      });

      it('reads more than 100 webhooks at once', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const stored = makeWebhook(tenantId);
        await repository.create(stored);
        const refs = Array.from({ length: 150 }, (_, index) => ({ tenantId, webhookId: `wh_none_${index}` }));
        refs.push({ tenantId, webhookId: stored.id });
        const found = await repository.getMany(refs);
        expect(found).toHaveLength(151);
        expect(found.filter(Boolean).map((webhook) => webhook?.id)).toEqual([stored.id]);
        expect(found.at(-1)?.id).toBe(stored.id);
      });
    });

    describe('tenant isolation (two tenants and a hostile third)', () => {
      it('does not show, update, delete or match another tenant’s webhook', async () => {
        const repository = makeRepository();
        const owner = newTenant();
        const stranger = newTenant();
        const webhook = makeWebhook(owner);
        await repository.create(webhook);

        expect(await repository.get(stranger, webhook.id)).toBeUndefined();
        expect((await repository.list(stranger, { limit: 10 })).items).toEqual([]);
        expect(await repository.findSubscribers(stranger, 'message.created', null)).toEqual([]);
        expect(await repository.delete(stranger, webhook.id)).toBe(false);
        await expect(
          repository.update({ ...webhook, tenantId: stranger, version: 2 }, 1),
        ).rejects.toBeInstanceOf(NotFoundError);
        expect(await repository.get(owner, webhook.id)).toBeDefined();
        expect(await repository.findSubscribers(owner, 'message.created', null)).toEqual([webhook.id]);
      });

      it('keeps two tenants’ webhooks of the same id apart, and a third that knows both ids finds neither', async () => {
        const repository = makeRepository();
        const { tenantA, tenantB, hostile } = tenantTrio();
        const ofA = makeWebhook(tenantA, { id: 'wh_shared', name: 'A', brandId: 'brand-1' });
        const ofB = makeWebhook(tenantB, { id: 'wh_shared', name: 'B', events: ['message.edited'] });
        await repository.create(ofA);
        await repository.create(ofB);

        expect((await repository.get(tenantA, 'wh_shared'))?.name).toBe('A');
        expect((await repository.get(tenantB, 'wh_shared'))?.name).toBe('B');
        expect(await repository.findSubscribers(tenantA, 'message.edited', 'brand-1')).toEqual([]);
        expect(await repository.findSubscribers(tenantB, 'message.created', 'brand-1')).toEqual([]);
        await repository.update({ ...ofB, name: 'B2', version: 2 }, 1);
        expect((await repository.get(tenantA, 'wh_shared'))?.version).toBe(1);

        expect(await repository.get(hostile, 'wh_shared')).toBeUndefined();
        expect(
          await repository.getMany([
            { tenantId: hostile, webhookId: 'wh_shared' },
            { tenantId: hostile, webhookId: ofA.id },
          ]),
        ).toEqual([undefined, undefined]);
        expect(await repository.list(hostile, { limit: 10 })).toEqual({ items: [] });
        expect(await repository.findSubscribers(hostile, 'message.created', 'brand-1')).toEqual([]);
        expect(await repository.findSubscribers(hostile, 'message.edited', null)).toEqual([]);
        await expect(repository.update({ ...ofA, tenantId: hostile, version: 2 }, 1)).rejects.toBeInstanceOf(
          NotFoundError,
        );
        expect(await repository.delete(hostile, 'wh_shared')).toBe(false);

        // Deleting A's webhook leaves B's alone.
        expect(await repository.delete(tenantA, 'wh_shared')).toBe(true);
        expect((await repository.get(tenantB, 'wh_shared'))?.name).toBe('B2');
        expect(await repository.findSubscribers(tenantB, 'message.edited', null)).toEqual(['wh_shared']);
      });

      it('refuses a page position from another tenant’s list, or one it never handed out', async () => {
        const repository = makeRepository();
        const { tenantA, hostile } = tenantTrio();
        await repository.create(makeWebhook(tenantA));
        await repository.create(makeWebhook(tenantA));
        const page = await repository.list(tenantA, { limit: 1 });
        expect(page.nextKey).toBeDefined();
        await expect(
          repository.list(hostile, { limit: 5, ...(page.nextKey && { startKey: page.nextKey }) }),
        ).rejects.toBeInstanceOf(ValidationError);
        await expect(
          repository.list(tenantA, { limit: 5, startKey: { ...FOREIGN_CURSOR } }),
        ).rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe('update', () => {
      it('replaces the webhook when the version matches', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const webhook = makeWebhook(tenantId);
        await repository.create(webhook);
        await repository.update({ ...webhook, name: 'Renamed', version: 2 }, 1);
        const stored = await repository.get(tenantId, webhook.id);
        expect(stored?.name).toBe('Renamed');
        expect(stored?.version).toBe(2);
      });

      it('throws ConflictError on a stale version and keeps the stored one', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const webhook = makeWebhook(tenantId);
        await repository.create(webhook);
        await repository.update({ ...webhook, name: 'First', version: 2 }, 1);
        await expect(repository.update({ ...webhook, name: 'Second', version: 2 }, 1)).rejects.toBeInstanceOf(
          ConflictError,
        );
        expect((await repository.get(tenantId, webhook.id))?.name).toBe('First');
      });

      it('lets exactly one of two concurrent updates of the same version win', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const webhook = makeWebhook(tenantId);
        await repository.create(webhook);
        const results = await Promise.allSettled([
          repository.update({ ...webhook, name: 'A', version: 2 }, 1),
          repository.update({ ...webhook, name: 'B', version: 2 }, 1),
        ]);
        const fulfilled = results.filter((result) => result.status === 'fulfilled');
        const rejected = results.filter((result) => result.status === 'rejected');
        expect(fulfilled).toHaveLength(1);
        expect(rejected).toHaveLength(1);
        expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      });

      it('throws NotFoundError for a missing webhook', async () => {
        const webhook = makeWebhook(newTenant());
        await expect(makeRepository().update({ ...webhook, version: 2 }, 1)).rejects.toBeInstanceOf(
          NotFoundError,
        );
      });

      it('drops every subscription on deactivation and restores them on activation', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const webhook = makeWebhook(tenantId, { events: ['message.created', 'message.edited'] });
        await repository.create(webhook);
        await repository.update({ ...webhook, status: 'inactive', version: 2 }, 1);
        expect(await repository.findSubscribers(tenantId, 'message.created', null)).toEqual([]);
        expect(await repository.findSubscribers(tenantId, 'message.edited', null)).toEqual([]);

        await repository.update({ ...webhook, status: 'active', version: 3 }, 2);
        expect(await repository.findSubscribers(tenantId, 'message.created', null)).toEqual([webhook.id]);
        expect(await repository.findSubscribers(tenantId, 'message.edited', null)).toEqual([webhook.id]);
      });

      it('answers each subscriber with its ordering, and follows a switch of ordering (docs/contract.md#ordering)', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const ordered = makeWebhook(tenantId, { ordering: 'conversation' });
        const legacy = makeWebhook(tenantId);
        await repository.create(ordered);
        await repository.create(legacy);
        const byId = async () =>
          Object.fromEntries(
            (await repository.findSubscriptions(tenantId, 'message.created', null)).map((found) => [
              found.webhookId,
              found.ordering,
            ]),
          );
        expect(await byId()).toEqual({ [ordered.id]: 'conversation', [legacy.id]: 'none' });
        expect((await repository.get(tenantId, ordered.id))?.ordering).toBe('conversation');

        await repository.update({ ...ordered, ordering: 'none', version: 2 }, 1);
        await repository.update({ ...legacy, ordering: 'conversation', version: 2 }, 1);
        expect(await byId()).toEqual({ [ordered.id]: 'none', [legacy.id]: 'conversation' });
        expect(await repository.findSubscriptions(newTenant(), 'message.created', null)).toEqual([]);
      });

      it('follows a change of events: adds the new types and removes the dropped ones', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const webhook = makeWebhook(tenantId, { events: ['message.created', 'message.edited'] });
        await repository.create(webhook);
        await repository.update(
          { ...webhook, events: ['message.edited', 'conversation.deleted'], version: 2 },
          1,
        );
        expect(await repository.findSubscribers(tenantId, 'message.created', null)).toEqual([]);
        expect(await repository.findSubscribers(tenantId, 'message.edited', null)).toEqual([webhook.id]);
        expect(await repository.findSubscribers(tenantId, 'conversation.deleted', null)).toEqual([
          webhook.id,
        ]);
      });

      it('follows a change of brand in both directions', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const webhook = makeWebhook(tenantId, { brandId: null });
        await repository.create(webhook);

        await repository.update({ ...webhook, brandId: 'brand-1', version: 2 }, 1);
        expect(await repository.findSubscribers(tenantId, 'message.created', 'brand-2')).toEqual([]);
        expect(await repository.findSubscribers(tenantId, 'message.created', null)).toEqual([]);
        expect(await repository.findSubscribers(tenantId, 'message.created', 'brand-1')).toEqual([
          webhook.id,
        ]);

        await repository.update({ ...webhook, brandId: 'brand-2', version: 3 }, 2);
        expect(await repository.findSubscribers(tenantId, 'message.created', 'brand-1')).toEqual([]);
        expect(await repository.findSubscribers(tenantId, 'message.created', 'brand-2')).toEqual([
          webhook.id,
        ]);

        await repository.update({ ...webhook, brandId: null, version: 4 }, 3);
        expect(await repository.findSubscribers(tenantId, 'message.created', 'brand-1')).toEqual([
          webhook.id,
        ]);
        expect(await repository.findSubscribers(tenantId, 'message.created', null)).toEqual([webhook.id]);
      });
    });

    describe('delete', () => {
      it('removes the webhook and all its subscriptions, and says whether it existed', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const webhook = makeWebhook(tenantId, {
          events: ['message.created', 'message.retracted'],
          brandId: 'b1',
        });
        await repository.create(webhook);
        expect(await repository.delete(tenantId, webhook.id)).toBe(true);
        expect(await repository.get(tenantId, webhook.id)).toBeUndefined();
        expect(await repository.findSubscribers(tenantId, 'message.created', 'b1')).toEqual([]);
        expect(await repository.findSubscribers(tenantId, 'message.retracted', 'b1')).toEqual([]);
        expect(await repository.delete(tenantId, webhook.id)).toBe(false);
      });
    });

    describe('findSubscribers', () => {
      it('matches all-brands webhooks for every brand and brand webhooks for their brand only', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const allBrands = makeWebhook(tenantId, { brandId: null });
        const brandOne = makeWebhook(tenantId, { brandId: 'brand-1' });
        const brandTwo = makeWebhook(tenantId, { brandId: 'brand-2' });
        const otherType = makeWebhook(tenantId, { brandId: null, events: ['message.edited'] });
        const inactive = makeWebhook(tenantId, { brandId: 'brand-1', status: 'inactive' });
        for (const webhook of [allBrands, brandOne, brandTwo, otherType, inactive]) {
          await repository.create(webhook);
        }
        expect(sorted(await repository.findSubscribers(tenantId, 'message.created', 'brand-1'))).toEqual(
          sorted([allBrands.id, brandOne.id]),
        );
        expect(sorted(await repository.findSubscribers(tenantId, 'message.created', 'brand-3'))).toEqual([
          allBrands.id,
        ]);
        // An event without a brand reaches only the webhooks that take every brand.
        expect(await repository.findSubscribers(tenantId, 'message.created', null)).toEqual([allBrands.id]);
        expect(await repository.findSubscribers(tenantId, 'message.edited', 'brand-1')).toEqual([
          otherType.id,
        ]);
        expect(await repository.findSubscribers(tenantId, 'conversation.created', 'brand-1')).toEqual([]);
      });

      it('does not confuse a brand with another that starts with it and a #', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const prefixed = makeWebhook(tenantId, { brandId: 'a#b' });
        const plain = makeWebhook(tenantId, { brandId: 'a' });
        await repository.create(prefixed);
        await repository.create(plain);
        expect(await repository.findSubscribers(tenantId, 'message.created', 'a')).toEqual([plain.id]);
        expect(await repository.findSubscribers(tenantId, 'message.created', 'a#b')).toEqual([prefixed.id]);
      });

      it('names a webhook once though its events list a type twice', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const webhook = makeWebhook(tenantId, { events: ['message.created', 'message.created'] });
        await repository.create(webhook);
        expect(await repository.findSubscribers(tenantId, 'message.created', 'brand-1')).toEqual([
          webhook.id,
        ]);
      });
    });

    describe('list', () => {
      it('returns every webhook exactly once across pages, in id order, with and without filters', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        const webhooks: StoredWebhook[] = [];
        for (let index = 0; index < 55; index++) {
          webhooks.push(
            makeWebhook(tenantId, {
              id: `wh_${index.toString().padStart(3, '0')}`,
              status: index % 3 === 0 ? 'inactive' : 'active',
              brandId: index % 5 === 0 ? 'brand-x' : index % 2 === 0 ? 'brand-y' : null,
            }),
          );
        }
        // Created in a shuffled order: the order of a list comes from the ids, not from write time.
        const shuffled = [...webhooks].sort(
          (a, b) => ((a.id.charCodeAt(5) * 7) % 11) - ((b.id.charCodeAt(5) * 7) % 11),
        );
        await Promise.all(shuffled.map((webhook) => repository.create(webhook)));
        // A neighbour tenant's webhooks must not leak into the pages.
        await repository.create(makeWebhook(newTenant()));

        const expectIds = (predicate: (webhook: StoredWebhook) => boolean) =>
          webhooks.filter(predicate).map((webhook) => webhook.id);

        for (const limit of [1, 7, 10, 25, 55, 100]) {
          const all = await listAllWebhooks(repository, tenantId, { limit });
          expect(all.ids).toEqual(expectIds(() => true));
          // The look-ahead read means no trailing empty page.
          expect(all.pages).toBe(Math.ceil(55 / limit));

          const inactive = await listAllWebhooks(repository, tenantId, { limit, status: 'inactive' });
          expect(inactive.ids).toEqual(expectIds((webhook) => webhook.status === 'inactive'));

          const brandX = await listAllWebhooks(repository, tenantId, { limit, brandId: 'brand-x' });
          expect(brandX.ids).toEqual(expectIds((webhook) => webhook.brandId === 'brand-x'));

          const activeBrandY = await listAllWebhooks(repository, tenantId, {
            limit,
            status: 'active',
            brandId: 'brand-y',
          });
          expect(activeBrandY.ids).toEqual(
            expectIds((webhook) => webhook.status === 'active' && webhook.brandId === 'brand-y'),
          );
        }
      });

      it('does not return an empty filtered page while matches remain further on', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        for (let index = 0; index < 30; index++) {
          await repository.create(
            makeWebhook(tenantId, { id: `wh_${index.toString().padStart(3, '0')}`, status: 'inactive' }),
          );
        }
        const last = makeWebhook(tenantId, { id: 'wh_999', status: 'active' });
        await repository.create(last);
        const page = await repository.list(tenantId, { limit: 2, status: 'active' });
        expect(page.items.map((webhook) => webhook.id)).toEqual([last.id]);
        expect(page.nextKey).toBeUndefined();
      });

      it('gives no next key on the last page', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        await repository.create(makeWebhook(tenantId));
        await repository.create(makeWebhook(tenantId));
        const page = await repository.list(tenantId, { limit: 5 });
        expect(page.items).toHaveLength(2);
        expect(page.nextKey).toBeUndefined();
      });

      it('pages any mix of two tenants’ webhooks by any filter and page size: each match once, in id order, nothing to a third', async () => {
        const repository = makeRepository();
        const webhookSpec = fc.record({
          ofA: fc.boolean(),
          suffix: fc.stringMatching(/^[a-z0-9]{1,6}$/),
          status: fc.constantFrom('active' as const, 'inactive' as const),
          brandId: fc.constantFrom(null, 'brand-1', 'brand-2'),
        });
        await fc.assert(
          fc.asyncProperty(
            fc.uniqueArray(webhookSpec, { maxLength: 14, selector: (spec) => `${spec.ofA}/${spec.suffix}` }),
            fc.integer({ min: 1, max: 6 }),
            fc.option(fc.constantFrom('active' as const, 'inactive' as const), { nil: undefined }),
            fc.option(fc.constantFrom('brand-1', 'brand-2'), { nil: undefined }),
            async (specs, limit, status, brandId) => {
              const { tenantA, tenantB, hostile } = tenantTrio();
              const webhooks = specs.map((spec) =>
                makeWebhook(spec.ofA ? tenantA : tenantB, {
                  id: `wh_${spec.suffix}`,
                  status: spec.status,
                  brandId: spec.brandId,
                }),
              );
              for (const webhook of webhooks) await repository.create(webhook);
              const query = { limit, ...(status && { status }), ...(brandId && { brandId }) };
              for (const tenantId of [tenantA, tenantB]) {
                const want = webhooks
                  .filter(
                    (webhook) =>
                      webhook.tenantId === tenantId &&
                      (!status || webhook.status === status) &&
                      (!brandId || webhook.brandId === brandId),
                  )
                  .map((webhook) => webhook.id)
                  .sort();
                expect((await listAllWebhooks(repository, tenantId, query)).ids).toEqual(want);
              }
              expect((await listAllWebhooks(repository, hostile, query)).ids).toEqual([]);
            },
          ),
          { numRuns: 12 },
        );
      });

      it('resumes after the last webhook of a page though webhooks are added and deleted meanwhile', async () => {
        const repository = makeRepository();
        const tenantId = newTenant();
        for (const id of ['wh_b', 'wh_d', 'wh_f', 'wh_h'])
          await repository.create(makeWebhook(tenantId, { id }));
        const first = await repository.list(tenantId, { limit: 2 });
        expect(first.items.map((webhook) => webhook.id)).toEqual(['wh_b', 'wh_d']);
        await repository.create(makeWebhook(tenantId, { id: 'wh_a' }));
        await repository.create(makeWebhook(tenantId, { id: 'wh_e' }));
        await repository.delete(tenantId, 'wh_d');
        const rest = await repository.list(tenantId, {
          limit: 10,
          ...(first.nextKey && { startKey: first.nextKey }),
        });
        expect(rest.items.map((webhook) => webhook.id)).toEqual(['wh_e', 'wh_f', 'wh_h']);
        expect(rest.nextKey).toBeUndefined();
      });
    });
  });
}
