/**
 * Admin → Chat → Webhooks (the seed's list): "Active"/"Inactive" tabs, a brand filter (server
 * side, `brandId=`), a search by name or URL over the loaded pages, "Add Webhook", and each row's menu.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { useDeferredValue } from 'react';
import { Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import { ok, type Webhook } from '../api/client';
import { LIST_REFRESH_MS, LoadError } from '../components/LoadError';
import { WebhookActions } from '../components/WebhookActions';
import { WebhookState } from '../components/WebhookState';
import { useConsole } from '../context';
import { useEventNames } from '../event-names';
import { Link, navigate, useSearchParam } from '../router';

type Status = 'active' | 'inactive';

export function WebhooksScreen() {
  const { session } = useConsole();
  // Filters live in the URL: a reload or a shared link shows the same list.
  const [statusParam, setStatus] = useSearchParam('status');
  const status: Status = statusParam === 'inactive' ? 'inactive' : 'active';
  const [brand, setBrand] = useSearchParam('brand');
  const [search, setSearch] = useSearchParam('q');
  return (
    <>
      <div className="screen-head">
        <h1 tabIndex={-1}>Webhooks</h1>
        {session.canManage ? (
          <button type="button" className="button" onClick={() => navigate('/webhooks/new')}>
            Add Webhook
          </button>
        ) : null}
      </div>
      <div className="filters">
        <div className="field">
          <label htmlFor="brand-filter">Brand</label>
          <input
            id="brand-filter"
            value={brand}
            onChange={(event) => setBrand(event.target.value)}
            aria-describedby="brand-filter-help"
          />
          <span id="brand-filter-help" className="help">
            A brand id; empty shows every brand.
          </span>
        </div>
        <div className="field">
          <label htmlFor="webhook-search">Search</label>
          <input
            id="webhook-search"
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            aria-describedby="webhook-search-help"
          />
          <span id="webhook-search-help" className="help">
            By name or URL.
          </span>
        </div>
      </div>
      <Tabs selectedKey={status} onSelectionChange={(key) => setStatus(key as Status)}>
        <TabList aria-label="Webhook status" className="tabs">
          <Tab id="active" className="tab">
            Active
          </Tab>
          <Tab id="inactive" className="tab">
            Inactive
          </Tab>
        </TabList>
        {(['active', 'inactive'] as const).map((key) => (
          <TabPanel key={key} id={key} className="tab-panel">
            <WebhookList status={key} brand={brand.trim()} search={search} />
          </TabPanel>
        ))}
      </Tabs>
    </>
  );
}

function WebhookList({ status, brand, search }: { status: Status; brand: string; search: string }) {
  const { api } = useConsole();
  const deferredBrand = useDeferredValue(brand);
  const query = useInfiniteQuery({
    queryKey: ['webhooks', 'list', status, deferredBrand],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.GET('/v1/webhooks', {
          params: {
            query: {
              status,
              limit: 100,
              ...(deferredBrand ? { brandId: deferredBrand } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    // The list refreshes while open; React keeps the rows in place, so focus and scroll stay put.
    refetchInterval: LIST_REFRESH_MS,
  });
  if (query.isPending) return <p>Loading webhooks…</p>;
  if (query.isError)
    return <LoadError what="webhooks" error={query.error} retry={() => void query.refetch()} />;
  const needle = search.trim().toLowerCase();
  const items = query.data.pages
    .flatMap((page) => page.items)
    .filter(
      (webhook) =>
        needle === '' ||
        webhook.name.toLowerCase().includes(needle) ||
        webhook.url.toLowerCase().includes(needle),
    );
  return (
    <>
      {items.length === 0 ? (
        <p>{needle || deferredBrand ? 'No webhook matches.' : `No ${status} webhooks.`}</p>
      ) : (
        <ul className="rows" aria-label={`${status === 'active' ? 'Active' : 'Inactive'} webhooks`}>
          {items.map((webhook) => (
            <WebhookRow key={webhook.id} webhook={webhook} />
          ))}
        </ul>
      )}
      {query.hasNextPage && (
        <button
          type="button"
          className="button secondary"
          disabled={query.isFetchingNextPage}
          onClick={() => void query.fetchNextPage()}
        >
          Load more
        </button>
      )}
    </>
  );
}

function WebhookRow({ webhook }: { webhook: Webhook }) {
  const { eventName } = useEventNames();
  return (
    <li className="row">
      <div className="row-main">
        <Link href={`/webhooks/${encodeURIComponent(webhook.id)}`} className="row-title">
          {webhook.name}
        </Link>
        <span className="url">{webhook.url}</span>
        <WebhookState webhook={webhook} />
        <span className="meta">
          {webhook.events.map(eventName).join(', ')} ·{' '}
          {webhook.brandId ? `brand ${webhook.brandId}` : 'all brands'}
        </span>
      </div>
      <WebhookActions webhook={webhook} />
    </li>
  );
}
