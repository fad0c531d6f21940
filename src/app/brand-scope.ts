/**
 * A portal session limited to some brands sees and touches only those brands' webhooks, and the
 * deliveries and failure logs of those webhooks. Rather than teach every use case about brands, the
 * session's routes run over a view of the repositories that answers as if nothing else existed: a
 * webhook of another brand (or of all brands) is not found (404, as another tenant's is), a list
 * leaves it out, and a write that would put a webhook outside the brands is refused. Every route,
 * including one added later, reads through this view, so none can leak past it.
 */
import { ForbiddenError } from '#domain/errors';
import type { FailureLog, Page, StoredWebhook } from '#domain/model';
import type {
  DeliveryLogRepository,
  FailureLogRepository,
  RejectedEventRepository,
  WebhookRepository,
} from '#domain/ports';

/** The repositories a brand scope narrows. */
export interface BrandScopedPorts {
  webhooks: WebhookRepository;
  failureLogs: FailureLogRepository;
  deliveryLog: DeliveryLogRepository;
  rejectedEvents: RejectedEventRepository;
}

/** `ports` as a session limited to `brandIds` sees them. */
export function brandScoped<P extends BrandScopedPorts>(ports: P, brandIds: readonly string[]): P {
  const brands = new Set(brandIds);
  const inScope = (webhook: StoredWebhook | undefined): webhook is StoredWebhook =>
    webhook !== undefined && webhook.brandId !== null && brands.has(webhook.brandId);
  const refuseOutside = (webhook: StoredWebhook) => {
    if (!inScope(webhook)) {
      throw new ForbiddenError(
        `brandId: this session manages the webhooks of brand${brands.size > 1 ? 's' : ''} ${[...brands].join(', ')} only`,
        [{ field: 'brandId', message: `must be one of ${[...brands].join(', ')}` }],
      );
    }
  };
  const inner = ports.webhooks;
  const webhooks: WebhookRepository = {
    create: async (webhook, options) => {
      refuseOutside(webhook);
      await inner.create(webhook, options);
    },
    get: async (tenantId, webhookId) => {
      const webhook = await inner.get(tenantId, webhookId);
      return inScope(webhook) ? webhook : undefined;
    },
    getMany: async (refs) =>
      (await inner.getMany(refs)).map((webhook) => (inScope(webhook) ? webhook : undefined)),
    list: async (tenantId, query) => {
      if (query.brandId !== undefined && !brands.has(query.brandId)) return { items: [] };
      // Leaving items out of a page is what the store's own filter does: a page may hold fewer.
      const page = await inner.list(tenantId, query);
      return { ...page, items: page.items.filter(inScope) };
    },
    update: async (webhook, expectedVersion) => {
      refuseOutside(webhook);
      await inner.update(webhook, expectedVersion);
    },
    delete: async (tenantId, webhookId) =>
      inScope(await inner.get(tenantId, webhookId)) ? inner.delete(tenantId, webhookId) : false,
    findSubscribers: (tenantId, eventType, brandId) => inner.findSubscribers(tenantId, eventType, brandId),
    findSubscriptions: (tenantId, eventType, brandId) =>
      inner.findSubscriptions(tenantId, eventType, brandId),
  };
  const visibleWebhookIds = async (tenantId: string, ids: string[]): Promise<Set<string>> => {
    const unique = [...new Set(ids)];
    const found = await webhooks.getMany(unique.map((webhookId) => ({ tenantId, webhookId })));
    return new Set(unique.filter((_, index) => found[index] !== undefined));
  };
  const failureLogs: FailureLogRepository = {
    put: (failureLog, expiresAt) => ports.failureLogs.put(failureLog, expiresAt),
    get: async (tenantId, failureLogId) => {
      const failureLog = await ports.failureLogs.get(tenantId, failureLogId);
      if (!failureLog) return undefined;
      return (await visibleWebhookIds(tenantId, [failureLog.webhookId])).size > 0 ? failureLog : undefined;
    },
    list: async (tenantId, query): Promise<Page<FailureLog>> => {
      const page = await ports.failureLogs.list(tenantId, query);
      const visible = await visibleWebhookIds(
        tenantId,
        page.items.map((item) => item.webhookId),
      );
      return { ...page, items: page.items.filter((item) => visible.has(item.webhookId)) };
    },
  };
  const deliveryLog: DeliveryLogRepository = {
    recordOutcome: (outcome, expiresAt, batch) => ports.deliveryLog.recordOutcome(outcome, expiresAt, batch),
    linkFailureLog: (...args) => ports.deliveryLog.linkFailureLog(...args),
    putPayload: (...args) => ports.deliveryLog.putPayload(...args),
    getPayload: (...args) => ports.deliveryLog.getPayload(...args),
    get: async (tenantId, deliveryId) => {
      const record = await ports.deliveryLog.get(tenantId, deliveryId);
      if (!record) return undefined;
      return (await visibleWebhookIds(tenantId, [record.webhookId])).size > 0 ? record : undefined;
    },
    list: async (tenantId, query) => {
      if (query.webhookId !== undefined) {
        const visible = await visibleWebhookIds(tenantId, [query.webhookId]);
        return visible.size > 0 ? ports.deliveryLog.list(tenantId, query) : { items: [] };
      }
      // The tenant-wide list (and an event's deliveries) span webhooks: keep the page's cursor and
      // drop what belongs to other brands' webhooks, as the failure-log list above does.
      const page = await ports.deliveryLog.list(tenantId, query);
      const visible = await visibleWebhookIds(
        tenantId,
        page.items.map((item) => item.webhookId),
      );
      return { ...page, items: page.items.filter((item) => visible.has(item.webhookId)) };
    },
  };
  // Rejected events are the tenant's unreadable input, tied to no brand: a brand's session sees none.
  const rejectedEvents: RejectedEventRepository = {
    put: (event, expiresAt) => ports.rejectedEvents.put(event, expiresAt),
    list: async () => ({ items: [] }),
  };
  return { ...ports, webhooks, failureLogs, deliveryLog, rejectedEvents };
}
