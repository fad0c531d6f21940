/**
 * The one delivery list, used by the Deliveries screen (the whole tenant, with search by event id) and
 * by a webhook's page (that webhook's deliveries). Its filters (status, event type, time range, event
 * id) live in the URL, so a reload or a shared link shows the same list; it refreshes while open
 * without moving focus or scroll (React keeps the rows in place).
 */
import { type FormEvent, useId, useState } from 'react';
import { ApiError, type DeliverySummary } from '../api/client';
import { type DeliveryFilters, rowsOf, useDeliveryList, useWebhook } from '../api/queries';
import { count } from '../count';
import { useEventNames } from '../event-names';
import { Link, pathTo, useSearchParam } from '../router';
import { Time } from './Json';
import { LoadError } from './LoadError';
import { LoadMore } from './LoadMore';

/** `datetime-local` value (local time, no zone) → ISO 8601 instant, or undefined when empty. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

const STATUSES = ['pending', 'succeeded', 'failed'] as const;

export function DeliveryList({ webhookId, pageSize }: { webhookId?: string; pageSize: number }) {
  const { eventName, deliveryTypes } = useEventNames();
  const id = useId();
  const isTenantWide = webhookId === undefined;
  const [eventId, setEventId] = useSearchParam('eventId');
  const [status, setStatus] = useSearchParam('status');
  const [eventType, setEventType] = useSearchParam('eventType');
  const [since, setSince] = useSearchParam('since');
  const [until, setUntil] = useSearchParam('until');
  const [draft, setDraft] = useState(eventId);
  const sinceIso = localToIso(since);
  const untilIso = localToIso(until);
  const filters: DeliveryFilters = {
    ...(webhookId ? { webhookId } : {}),
    ...(eventId ? { eventId } : {}),
    ...((STATUSES as readonly string[]).includes(status)
      ? { status: status as DeliverySummary['status'] }
      : {}),
    ...(eventType ? { eventType } : {}),
    ...(sinceIso ? { since: sinceIso } : {}),
    ...(untilIso ? { until: untilIso } : {}),
    limit: pageSize,
  };
  const query = useDeliveryList(filters);
  const items = rowsOf(query);
  const search = (event: FormEvent) => {
    event.preventDefault();
    setEventId(draft.trim());
  };
  return (
    <>
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
            {isTenantWide
              ? "The event's id (its webhook-id header): every webhook's delivery of it."
              : "The event's id (its webhook-id header)."}
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
        <div className="field">
          <label htmlFor={`${id}-since`}>From</label>
          <input
            id={`${id}-since`}
            type="datetime-local"
            value={since}
            onChange={(event) => setSince(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-until`}>To</label>
          <input
            id={`${id}-until`}
            type="datetime-local"
            value={until}
            onChange={(event) => setUntil(event.target.value)}
          />
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
                <Link href={pathTo('delivery', { id: delivery.id })} className="row-title">
                  {eventName(delivery.eventType)} · {delivery.eventId}
                </Link>
                <span className="meta">
                  {delivery.test && <span className="badge">Test</span>}{' '}
                  <span className={`badge badge-${delivery.status}`}>{delivery.status}</span> ·{' '}
                  {isTenantWide && (
                    <>
                      to <WebhookName webhookId={delivery.webhookId} /> ·{' '}
                    </>
                  )}
                  {count(delivery.attemptCount, 'attempt')}
                  {delivery.lastStatusCode ? ` · HTTP ${delivery.lastStatusCode}` : ''} ·{' '}
                  <Time iso={delivery.createdAt} />
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
      <LoadMore query={query} label="Load more deliveries" />
    </>
  );
}

/** How long a webhook's name is trusted before a list reads it again. */
const NAME_STALE_MS = 60_000;

/**
 * A webhook's name, linking to its page (its id until the name has loaded, or when the webhook is
 * gone). One read per webhook, shared by every row and screen through the query cache.
 */
export function WebhookName({ webhookId }: { webhookId: string }) {
  const webhook = useWebhook(webhookId, { staleTime: NAME_STALE_MS });
  return (
    <Link href={pathTo('webhook', { id: webhookId })}>
      {webhook.data?.name ?? webhookId}
      {webhook.error instanceof ApiError && webhook.error.status === 404 ? ' (deleted)' : ''}
    </Link>
  );
}
