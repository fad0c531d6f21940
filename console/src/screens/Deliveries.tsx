/**
 * Deliveries: the whole tenant's delivery log, newest first, for "where did event X go?": search by
 * event id (every webhook's delivery of that event), status and event type. Filters live in the URL,
 * so a link to a search shows the same list; the list refreshes while open.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { type DeliverySummary, ok } from '../api/client';
import { Time } from '../components/Json';
import { LIST_REFRESH_MS, LoadError } from '../components/LoadError';
import { useConsole } from '../context';
import { useEventNames } from '../event-names';
import { Link, useSearchParam } from '../router';

export function DeliveriesScreen() {
  const { api } = useConsole();
  const { eventName, deliveryTypes } = useEventNames();
  const id = useId();
  const [eventId, setEventId] = useSearchParam('eventId');
  const [status, setStatus] = useSearchParam('status');
  const [eventType, setEventType] = useSearchParam('eventType');
  const [draft, setDraft] = useState(eventId);
  const filters = {
    ...(eventId ? { eventId } : {}),
    ...(status ? { status: status as DeliverySummary['status'] } : {}),
    ...(eventType ? { eventType } : {}),
    limit: 50,
  };
  const query = useInfiniteQuery({
    queryKey: ['deliveries', 'tenant', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.GET('/v1/deliveries', {
          params: { query: { ...filters, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    refetchInterval: LIST_REFRESH_MS,
  });
  const search = (event: FormEvent) => {
    event.preventDefault();
    setEventId(draft.trim());
  };
  const items = query.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <>
      <h1 tabIndex={-1}>Deliveries</h1>
      <form className="filters" aria-label="Search deliveries" onSubmit={search}>
        <div className="field">
          <label htmlFor={`${id}-event`}>Event id</label>
          <input
            id={`${id}-event`}
            type="search"
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            aria-describedby={`${id}-event-help`}
          />
          <span id={`${id}-event-help`} className="help">
            The event's id (its webhook-id header): every webhook's delivery of it.
          </span>
        </div>
        <button type="submit" className="button">
          Search
        </button>
        <div className="field">
          <label htmlFor={`${id}-status`}>Delivery status</label>
          <select id={`${id}-status`} value={status} onChange={(event) => setStatus(event.target.value)}>
            <option value="">Any</option>
            <option value="pending">Pending</option>
            <option value="succeeded">Succeeded</option>
            <option value="failed">Failed</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-type`}>Event type</label>
          <select id={`${id}-type`} value={eventType} onChange={(event) => setEventType(event.target.value)}>
            <option value="">Any</option>
            {deliveryTypes.map((type) => (
              <option key={type} value={type}>
                {eventName(type)}
              </option>
            ))}
          </select>
        </div>
      </form>
      {query.isPending ? (
        <p>Loading deliveries…</p>
      ) : query.isError ? (
        <LoadError what="deliveries" error={query.error} retry={() => void query.refetch()} />
      ) : items.length === 0 ? (
        <p>{eventId ? `No delivery of event ${eventId}.` : 'No deliveries match.'}</p>
      ) : (
        <ul className="rows" aria-label="Deliveries">
          {items.map((delivery) => (
            <li key={delivery.id} className="row">
              <div className="row-main">
                <Link href={`/deliveries/${encodeURIComponent(delivery.id)}`} className="row-title">
                  {eventName(delivery.eventType)} · {delivery.eventId}
                </Link>
                <span className="meta">
                  {delivery.test && <span className="badge">Test</span>}{' '}
                  <span className={`badge badge-${delivery.status}`}>{delivery.status}</span> · to{' '}
                  <Link href={`/webhooks/${encodeURIComponent(delivery.webhookId)}`}>
                    {delivery.webhookId}
                  </Link>{' '}
                  · {delivery.attemptCount} attempt{delivery.attemptCount === 1 ? '' : 's'}
                  {delivery.lastStatusCode ? ` · HTTP ${delivery.lastStatusCode}` : ''} ·{' '}
                  <Time iso={delivery.createdAt} />
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
      {query.hasNextPage && (
        <button
          type="button"
          className="button secondary"
          onClick={() => void query.fetchNextPage()}
          disabled={query.isFetchingNextPage}
        >
          Load more deliveries
        </button>
      )}
    </>
  );
}
