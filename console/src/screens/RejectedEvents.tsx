/** Chat events the ingest refused (docs/contract.md#events): what arrived, why, and which fields. */
import { useInfiniteQuery } from '@tanstack/react-query';
import { ok } from '../api/client';
import { Time } from '../components/Json';
import { errorText, useConsole } from '../context';

export function RejectedEventsScreen() {
  const { api } = useConsole();
  const query = useInfiniteQuery({
    queryKey: ['rejected-events'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.GET('/v1/rejected-events', {
          params: { query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  return (
    <>
      <h1 tabIndex={-1}>Rejected events</h1>
      <p>Events the chat platform published that failed their schema; none of them was delivered.</p>
      {query.isPending ? (
        <p>Loading rejected events…</p>
      ) : query.isError ? (
        <p role="alert">Could not load rejected events: {errorText(query.error)}</p>
      ) : query.data.pages[0]?.items.length === 0 ? (
        <p>No rejected events.</p>
      ) : (
        <ul className="rows" aria-label="Rejected events">
          {query.data.pages
            .flatMap((page) => page.items)
            .map((event) => (
              <li key={event.id} className="row">
                <div className="row-main">
                  <span className="row-title">
                    {event.detailType} · <Time iso={event.receivedAt} />
                  </span>
                  <span>{event.reason}</span>
                  {event.issues.length > 0 && (
                    <ul className="meta">
                      {event.issues.map((issue) => (
                        <li key={`${issue.path}:${issue.message}`}>
                          <code>{issue.path || '(detail)'}</code> {issue.message}
                        </li>
                      ))}
                    </ul>
                  )}
                  <code className="url">{event.detailSnippet}</code>
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
