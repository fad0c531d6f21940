/** Audit Logs → Webhook Failure Logs (the seed): deliveries that exhausted their retries, newest first. */
import { useInfiniteQuery } from '@tanstack/react-query';
import { ok } from '../api/client';
import { Time } from '../components/Json';
import { errorText, useConsole } from '../context';
import { useEventNames } from '../event-names';
import { Link } from '../router';

export function FailureLogsScreen() {
  const { api } = useConsole();
  const { eventName } = useEventNames();
  const query = useInfiniteQuery({
    queryKey: ['failure-logs'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.GET('/v1/failure-logs', {
          params: { query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  return (
    <>
      <h1 tabIndex={-1}>Webhook Failure Logs</h1>
      <p>Deliveries that failed on every attempt. Open one to see its attempts and redeliver it.</p>
      {query.isPending ? (
        <p>Loading failure logs…</p>
      ) : query.isError ? (
        <p role="alert">Could not load failure logs: {errorText(query.error)}</p>
      ) : query.data.pages[0]?.items.length === 0 ? (
        <p>No failure logs.</p>
      ) : (
        <ul className="rows" aria-label="Failure logs">
          {query.data.pages
            .flatMap((page) => page.items)
            .map((log) => (
              <li key={log.id} className="row">
                <div className="row-main">
                  <Link href={`/failure-logs/${encodeURIComponent(log.id)}`} className="row-title">
                    {log.webhookName}: {eventName(log.eventType)} · {log.eventId}
                  </Link>
                  <span className="url">{log.url}</span>
                  <span className="meta">
                    {log.attemptCount} attempts ·{' '}
                    {log.lastStatusCode ? `HTTP ${log.lastStatusCode}` : (log.lastError ?? '')} · failed{' '}
                    <Time iso={log.failedAt} />
                  </span>
                </div>
              </li>
            ))}
        </ul>
      )}
      {query.hasNextPage && (
        <button type="button" className="button secondary" onClick={() => void query.fetchNextPage()}>
          Load more
        </button>
      )}
    </>
  );
}
