/**
 * One hook per resource the console reads, and the one place its query keys are made. Keys are
 * hierarchical (`['webhooks', 'one', id]` under `['webhooks']`), so invalidating a resource's `all`
 * refreshes every list and item of it; a screen never spells a key itself.
 */
import {
  type InfiniteData,
  type UseInfiniteQueryResult,
  useInfiniteQuery,
  useQuery,
} from '@tanstack/react-query';
import { useConsole } from '../context';
import { type DeliverySummary, ok, type Webhook } from './client';

/** How often open lists (and the webhook page) refresh themselves. */
export const LIST_REFRESH_MS = 15_000;
/** How often a delivery list re-reads while a delivery in it is still pending. */
const PENDING_REFRESH_MS = 2000;

/** The filters `GET /v1/deliveries` takes (webhook, status, event type, event id, time range). */
export interface DeliveryFilters {
  webhookId?: string;
  status?: DeliverySummary['status'];
  eventType?: string;
  eventId?: string;
  since?: string;
  until?: string;
  limit: number;
}

export const queryKeys = {
  webhooks: {
    all: ['webhooks'] as const,
    list: (status: 'active' | 'inactive', brandId: string) => ['webhooks', 'list', status, brandId] as const,
    one: (id: string) => ['webhooks', 'one', id] as const,
    stats: (id: string, hours: number) => ['webhooks', 'stats', id, hours] as const,
  },
  deliveries: {
    all: ['deliveries'] as const,
    list: (filters: DeliveryFilters) => ['deliveries', 'list', filters] as const,
    one: (id: string) => ['deliveries', 'one', id] as const,
  },
  failureLogs: {
    all: ['failure-logs'] as const,
    list: () => ['failure-logs', 'list'] as const,
    one: (id: string) => ['failure-logs', 'one', id] as const,
  },
  rejectedEvents: { list: () => ['rejected-events', 'list'] as const },
  eventTypes: { all: ['event-types'] as const },
};

type Page<T> = { items: T[]; nextCursor?: string | null | undefined };

/** A cursor-paged list as the console shows it: the rows so far, and "load more". */
export type PagedList<T> = UseInfiniteQueryResult<InfiniteData<Page<T>, string | undefined>>;

/** The rows loaded so far of a paged list. */
export function rowsOf<T>(query: PagedList<T>): T[] {
  return query.data?.pages.flatMap((page) => page.items) ?? [];
}

/**
 * The infinite-list pattern every list screen shares: pages by cursor, the next page on demand, and
 * an optional refresh interval (a number, or chosen from the rows loaded so far).
 */
function usePaged<T>(
  queryKey: readonly unknown[],
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  refetchInterval?: number | ((rows: T[]) => number),
): PagedList<T> {
  return useInfiniteQuery<
    Page<T>,
    Error,
    InfiniteData<Page<T>, string | undefined>,
    readonly unknown[],
    string | undefined
  >({
    queryKey,
    initialPageParam: undefined,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    refetchInterval: (query) =>
      typeof refetchInterval === 'function'
        ? refetchInterval(query.state.data?.pages.flatMap((page) => page.items) ?? [])
        : (refetchInterval ?? false),
  });
}

/** Webhooks of one status (and brand), refreshing while open. */
export function useWebhookList(status: 'active' | 'inactive', brandId: string): PagedList<Webhook> {
  const { api } = useConsole();
  return usePaged(
    queryKeys.webhooks.list(status, brandId),
    async (cursor) =>
      ok(
        await api.GET('/v1/webhooks', {
          params: {
            query: {
              status,
              limit: 100,
              ...(brandId ? { brandId } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      ),
    LIST_REFRESH_MS,
  );
}

/** One webhook; `refresh` re-reads it while its page is open (its health moves). */
export function useWebhook(id: string | undefined, options: { refresh?: boolean; staleTime?: number } = {}) {
  const { api } = useConsole();
  return useQuery({
    queryKey: queryKeys.webhooks.one(id ?? ''),
    enabled: id !== undefined,
    queryFn: async () => ok(await api.GET('/v1/webhooks/{id}', { params: { path: { id: id ?? '' } } })),
    ...(options.refresh ? { refetchInterval: LIST_REFRESH_MS } : {}),
    ...(options.staleTime !== undefined ? { staleTime: options.staleTime } : {}),
  });
}

/** Succeeded and failed attempts per hour over the last `hours` (the stats route). */
export function useWebhookStats(id: string, hours: number) {
  const { api } = useConsole();
  return useQuery({
    queryKey: queryKeys.webhooks.stats(id, hours),
    queryFn: async () => {
      const until = new Date();
      const since = new Date(Math.floor(until.getTime() / 3_600_000) * 3_600_000 - (hours - 1) * 3_600_000);
      return ok(
        await api.GET('/v1/webhooks/{id}/stats', {
          params: {
            path: { id },
            query: { granularity: 'hour', since: since.toISOString(), until: until.toISOString() },
          },
        }),
      );
    },
    refetchInterval: LIST_REFRESH_MS,
  });
}

/**
 * Deliveries matching `filters`, newest first. The list refreshes while open, and every 2 s while one
 * of its deliveries is still pending (a delivery waiting for its retry settles on its own).
 */
export function useDeliveryList(filters: DeliveryFilters): PagedList<DeliverySummary> {
  const { api } = useConsole();
  return usePaged(
    queryKeys.deliveries.list(filters),
    async (cursor) =>
      ok(
        await api.GET('/v1/deliveries', { params: { query: { ...filters, ...(cursor ? { cursor } : {}) } } }),
      ),
    (rows) => (rows.some((delivery) => delivery.status === 'pending') ? PENDING_REFRESH_MS : LIST_REFRESH_MS),
  );
}

/** One delivery with its payload and attempts. */
export function useDelivery(id: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: queryKeys.deliveries.one(id),
    queryFn: async () => ok(await api.GET('/v1/deliveries/{id}', { params: { path: { id } } })),
  });
}

export function useFailureLogList() {
  const { api } = useConsole();
  return usePaged(queryKeys.failureLogs.list(), async (cursor) =>
    ok(
      await api.GET('/v1/failure-logs', { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } } }),
    ),
  );
}

export function useFailureLog(id: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: queryKeys.failureLogs.one(id),
    queryFn: async () => ok(await api.GET('/v1/failure-logs/{id}', { params: { path: { id } } })),
  });
}

export function useRejectedEventList() {
  const { api } = useConsole();
  return usePaged(queryKeys.rejectedEvents.list(), async (cursor) =>
    ok(
      await api.GET('/v1/rejected-events', {
        params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } },
      }),
    ),
  );
}

/** The event catalogue as the API serves it; every screen shares the one cached copy. */
export function useEventTypes() {
  const { api } = useConsole();
  return useQuery({
    queryKey: queryKeys.eventTypes.all,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: async () => ok(await api.GET('/v1/event-types')).items,
  });
}
