/** One failure log: its attempts, the event that was sent, and "Redeliver". */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ok } from '../api/client';
import { queryKeys, useFailureLog } from '../api/queries';
import { Attempts } from '../components/Attempts';
import { Json, Time } from '../components/Json';
import { errorText, useConsole } from '../context';
import { useEventNames } from '../event-names';
import { useNotice } from '../notices';
import { Link, pathTo, ScreenHeading } from '../router';

export function FailureLogDetailScreen({ logId }: { logId: string }) {
  const { api, session } = useConsole();
  const { eventName } = useEventNames();
  const queryClient = useQueryClient();
  const notice = useNotice();
  const path = { params: { path: { id: logId } } };
  const query = useFailureLog(logId);
  const redeliver = useMutation({
    mutationFn: async () => ok(await api.POST('/v1/failure-logs/{id}/redeliver', path)),
    onSuccess: async () => {
      notice('Redelivery enqueued.');
      await queryClient.invalidateQueries({ queryKey: queryKeys.deliveries.all });
    },
    onError: (error) => notice(errorText(error), 'error'),
  });
  if (query.isPending) return <ScreenHeading pending>Failure log</ScreenHeading>;
  if (query.isError) {
    return (
      <>
        <ScreenHeading>Failure log</ScreenHeading>
        <p role="alert">Could not load the failure log: {errorText(query.error)}</p>
      </>
    );
  }
  const log = query.data;
  return (
    <>
      <div className="screen-head">
        <ScreenHeading>
          Failure log: {log.webhookName}, {eventName(log.eventType)}
        </ScreenHeading>
        {session.canManage ? (
          <button
            type="button"
            className="button"
            onClick={() => redeliver.mutate()}
            disabled={redeliver.isPending}
          >
            Redeliver
          </button>
        ) : null}
      </div>
      <dl className="facts card">
        <dt>Webhook</dt>
        <dd>
          <Link href={pathTo('webhook', { id: log.webhookId })}>{log.webhookName}</Link>
        </dd>
        <dt>Destination URL</dt>
        <dd className="url">{log.url}</dd>
        <dt>Event id</dt>
        <dd>{log.eventId}</dd>
        <dt>Last outcome</dt>
        <dd>{log.lastStatusCode ? `HTTP ${log.lastStatusCode}` : (log.lastError ?? '—')}</dd>
        {log.givenUpReason && (
          <>
            <dt>Why it was given up</dt>
            <dd>{log.givenUpReason}</dd>
          </>
        )}
        <dt>First attempt</dt>
        <dd>
          <Time iso={log.firstAttemptAt} />
        </dd>
        <dt>Failed</dt>
        <dd>
          <Time iso={log.failedAt} />
        </dd>
        {log.deliveryId && (
          <>
            <dt>Delivery</dt>
            <dd>
              <Link href={pathTo('delivery', { id: log.deliveryId })}>{log.deliveryId}</Link>
            </dd>
          </>
        )}
      </dl>
      <div className="side-by-side">
        <section aria-labelledby="event-heading" className="card">
          <h2 id="event-heading">Event</h2>
          {log.event ? <Json value={log.event} label="Event as sent" /> : <p>Not kept.</p>}
        </section>
        <Attempts attempts={log.attempts} />
      </div>
    </>
  );
}
