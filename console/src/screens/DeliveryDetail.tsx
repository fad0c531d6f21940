/** One delivery (docs/contract.md#delivery-log): the payload as sent, every attempt with request headers and response, "Resend". */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ok } from '../api/client';
import { queryKeys, useDelivery } from '../api/queries';
import { Attempts } from '../components/Attempts';
import { WebhookName } from '../components/DeliveryList';
import { Json, Time } from '../components/Json';
import { useErrorNotice } from '../components/next-action';
import { errorText, useConsole } from '../context';
import { useEventNames } from '../event-names';
import { useNotice } from '../notices';
import { type Href, Link, pathTo, ScreenHeading } from '../router';

/** A redelivery repeats either a delivery (`dlv_…`) or a failure log (`fl_…`). */
function redeliveredHref(id: string): Href {
  return pathTo(id.startsWith('dlv_') ? 'delivery' : 'failureLog', { id });
}

export function DeliveryDetailScreen({ deliveryId }: { deliveryId: string }) {
  const { api, session } = useConsole();
  const { eventName } = useEventNames();
  const queryClient = useQueryClient();
  const notice = useNotice();
  const showError = useErrorNotice();
  const path = { params: { path: { id: deliveryId } } };
  const query = useDelivery(deliveryId);
  const resend = useMutation({
    mutationFn: async () => ok(await api.POST('/v1/deliveries/{id}/redeliver', path)),
    onSuccess: async () => {
      notice('Delivery resent: it is queued with the same webhook-id.');
      await queryClient.invalidateQueries({ queryKey: queryKeys.deliveries.all });
    },
    onError: (error) => showError(error, query.data?.webhookId),
  });
  if (query.isPending) return <ScreenHeading pending>Delivery</ScreenHeading>;
  if (query.isError) {
    return (
      <>
        <ScreenHeading>Delivery</ScreenHeading>
        <p role="alert">Could not load the delivery: {errorText(query.error)}</p>
      </>
    );
  }
  const delivery = query.data;
  return (
    <>
      <div className="screen-head">
        <ScreenHeading>
          {delivery.test ? 'Test delivery' : 'Delivery'} of {eventName(delivery.eventType)}
        </ScreenHeading>
        {session.canManage ? (
          <button
            type="button"
            className="button"
            onClick={() => resend.mutate()}
            disabled={resend.isPending}
          >
            Resend
          </button>
        ) : null}
      </div>
      <dl className="facts card">
        <dt>Status</dt>
        <dd>
          <span className={`badge badge-${delivery.status}`}>{delivery.status}</span>
          {delivery.lastStatusCode ? ` · HTTP ${delivery.lastStatusCode}` : ''}
          {delivery.lastError ? ` · ${delivery.lastError}` : ''}
        </dd>
        <dt>Webhook</dt>
        <dd>
          <WebhookName webhookId={delivery.webhookId} />
        </dd>
        <dt>Event id (webhook-id)</dt>
        <dd>{delivery.eventId}</dd>
        <dt>Created</dt>
        <dd>
          <Time iso={delivery.createdAt} />
        </dd>
        {delivery.failureLogId && (
          <>
            <dt>Failure log</dt>
            <dd>
              <Link href={pathTo('failureLog', { id: delivery.failureLogId })}>{delivery.failureLogId}</Link>
            </dd>
          </>
        )}
        {delivery.redeliveryOf && (
          <>
            <dt>Resend of</dt>
            <dd>
              <Link href={redeliveredHref(delivery.redeliveryOf)}>{delivery.redeliveryOf}</Link>
            </dd>
          </>
        )}
        {delivery.nextAttemptAt && (
          <>
            <dt>Next attempt</dt>
            <dd>
              <Time iso={delivery.nextAttemptAt} />
            </dd>
          </>
        )}
      </dl>
      <div className="side-by-side">
        <section aria-labelledby="payload-heading" className="card">
          <h2 id="payload-heading">Payload</h2>
          {delivery.payload ? (
            <Json value={delivery.payload} label="Payload as sent" />
          ) : (
            <p>No longer kept: its retention has passed.</p>
          )}
        </section>
        <Attempts attempts={delivery.attempts} />
      </div>
    </>
  );
}
