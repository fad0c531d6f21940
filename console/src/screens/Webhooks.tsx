/**
 * Admin → Chat → Webhooks (the seed's list): "Active"/"Inactive" tabs, a brand filter (server
 * side, `brandId=`), a search by name or URL over the loaded pages, "Add Webhook", and each row's menu.
 */
import { useDeferredValue } from 'react';
import { Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import type { Webhook } from '../api/client';
import { rowsOf, useWebhookList } from '../api/queries';
import { LoadError } from '../components/LoadError';
import { LoadMore } from '../components/LoadMore';
import { WebhookActions } from '../components/WebhookActions';
import { WebhookState } from '../components/WebhookState';
import { useConsole } from '../context';
import { useEventNames } from '../event-names';
import { Link, navigate, pathTo, ScreenHeading, useSearchParam } from '../router';

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
        <ScreenHeading>Webhooks</ScreenHeading>
        {session.canManage ? (
          <button type="button" className="button" onClick={() => navigate(pathTo('newWebhook'))}>
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
  const deferredBrand = useDeferredValue(brand);
  // The list refreshes while open; React keeps the rows in place, so focus and scroll stay put.
  const query = useWebhookList(status, deferredBrand);
  if (query.isPending) return <p>Loading webhooks…</p>;
  if (query.isError)
    return <LoadError what="webhooks" error={query.error} retry={() => void query.refetch()} />;
  const needle = search.trim().toLowerCase();
  const items = rowsOf(query).filter(
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
      <LoadMore query={query} />
    </>
  );
}

function WebhookRow({ webhook }: { webhook: Webhook }) {
  const { eventName } = useEventNames();
  return (
    <li className="row">
      <div className="row-main">
        <Link href={pathTo('webhook', { id: webhook.id })} className="row-title">
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
