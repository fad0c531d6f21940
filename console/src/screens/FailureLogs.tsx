/** Audit Logs → Webhook Failure Logs (the seed): deliveries that exhausted their retries, newest first. */
import { rowsOf, useFailureLogList } from '../api/queries';
import { Time } from '../components/Json';
import { LoadMore } from '../components/LoadMore';
import { errorText } from '../context';
import { count } from '../count';
import { useEventNames } from '../event-names';
import { Link, pathTo, ScreenHeading } from '../router';

export function FailureLogsScreen() {
  const { eventName } = useEventNames();
  const query = useFailureLogList();
  return (
    <>
      <ScreenHeading>Webhook Failure Logs</ScreenHeading>
      <p>Deliveries that failed on every attempt. Open one to see its attempts and redeliver it.</p>
      {query.isPending ? (
        <p>Loading failure logs…</p>
      ) : query.isError ? (
        <p role="alert">Could not load failure logs: {errorText(query.error)}</p>
      ) : query.data.pages[0]?.items.length === 0 ? (
        <p>No failure logs.</p>
      ) : (
        <ul className="rows" aria-label="Failure logs">
          {rowsOf(query).map((log) => (
            <li key={log.id} className="row">
              <div className="row-main">
                <Link href={pathTo('failureLog', { id: log.id })} className="row-title">
                  {log.webhookName}: {eventName(log.eventType)} · {log.eventId}
                </Link>
                <span className="url">{log.url}</span>
                <span className="meta">
                  {count(log.attemptCount, 'attempt')} ·{' '}
                  {log.lastStatusCode ? `HTTP ${log.lastStatusCode}` : (log.lastError ?? '')} · failed{' '}
                  <Time iso={log.failedAt} />
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
      <LoadMore query={query} />
    </>
  );
}
