/** Chat events the ingest refused (docs/contract.md#events): what arrived, why, and which fields. */
import { rowsOf, useRejectedEventList } from '../api/queries';
import { Time } from '../components/Json';
import { LoadMore } from '../components/LoadMore';
import { errorText } from '../context';
import { ScreenHeading } from '../router';

export function RejectedEventsScreen() {
  const query = useRejectedEventList();
  return (
    <>
      <ScreenHeading>Rejected events</ScreenHeading>
      <p>Events the chat platform published that failed their schema; none of them was delivered.</p>
      {query.isPending ? (
        <p>Loading rejected events…</p>
      ) : query.isError ? (
        <p role="alert">Could not load rejected events: {errorText(query.error)}</p>
      ) : query.data.pages[0]?.items.length === 0 ? (
        <p>No rejected events.</p>
      ) : (
        <ul className="rows" aria-label="Rejected events">
          {rowsOf(query).map((event) => (
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
      <LoadMore query={query} />
    </>
  );
}
