/**
 * One webhook (Stripe/GitHub style): settings, signing secret (reveal and copy), health, recent
 * deliveries with filters (status, event type, time range), and "Recover failed deliveries" since a time.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { ApiError, ok, type Webhook } from '../api/client';
import { queryKeys, rowsOf, useDeliveryList, useWebhook } from '../api/queries';
import { CopyButton } from '../components/CopyButton';
import { DeliveryChart } from '../components/DeliveryChart';
import { DeliveryList, localToIso } from '../components/DeliveryList';
import { Time } from '../components/Json';
import { LoadError } from '../components/LoadError';
import { useErrorNotice } from '../components/next-action';
import { WebhookActions } from '../components/WebhookActions';
import { WebhookState } from '../components/WebhookState';
import { errorText, useConsole } from '../context';
import { count } from '../count';
import { useEventNames } from '../event-names';
import { useNotice } from '../notices';
import { Link, navigate, pathTo, ScreenHeading } from '../router';

/** Deliveries per page of the list; "Load more deliveries" fetches the next. */
const DELIVERIES_PAGE = 20;
export function WebhookDetailScreen({ webhookId }: { webhookId: string }) {
  const { session } = useConsole();
  const { eventName } = useEventNames();
  const query = useWebhook(webhookId, { refresh: true });
  if (query.isPending) return <ScreenHeading pending>Webhook</ScreenHeading>;
  if (query.isError) {
    return (
      <>
        <ScreenHeading>Webhook</ScreenHeading>
        <LoadError what="the webhook" error={query.error} retry={() => void query.refetch()} />
        <Link href={pathTo('home')}>Back to webhooks</Link>
      </>
    );
  }
  const webhook = query.data;
  return (
    <>
      <div className="screen-head">
        <ScreenHeading>{webhook.name}</ScreenHeading>
        <WebhookActions webhook={webhook} afterDelete={() => navigate(pathTo('home'), { replace: true })} />
      </div>
      <p>
        <span className={`badge badge-${webhook.status}`}>
          {webhook.status === 'active' ? 'Active' : 'Inactive'}
        </span>{' '}
        {webhook.disabledReason && <span>Deactivated by the service: {webhook.disabledReason}</span>}
      </p>
      <dl className="facts card">
        <dt>Destination URL</dt>
        <dd className="url">{webhook.url}</dd>
        <dt>Description</dt>
        <dd>{webhook.description || '—'}</dd>
        <dt>Brand</dt>
        <dd>{webhook.brandId ?? 'All brands'}</dd>
        <dt>Events</dt>
        <dd>{webhook.events.map(eventName).join(', ')}</dd>
        <dt>Authentication</dt>
        <dd>{webhook.authentication ? webhook.authentication.type : 'None'}</dd>
        <dt>Custom headers</dt>
        <dd>
          {Object.entries(webhook.headers)
            .map(([name, value]) => (typeof value === 'string' ? name : `${name} (secret: ****)`))
            .join(', ') || 'None'}
        </dd>
        <dt>Ordering</dt>
        <dd>
          {webhook.ordering === 'conversation'
            ? 'Per conversation: one at a time, in order'
            : 'None: deliveries may arrive in any order'}
        </dd>
        <dt>Created</dt>
        <dd>
          <Time iso={webhook.createdAt} />
        </dd>
      </dl>
      {session.canManage ? <SigningSecret webhook={webhook} /> : null}
      <Health webhook={webhook} />
      <DeliveryChart webhookId={webhook.id} />
      <Deliveries webhook={webhook} />
      {session.canManage ? <Recover webhook={webhook} /> : null}
    </>
  );
}

function SigningSecret({ webhook }: { webhook: Webhook }) {
  const { api } = useConsole();
  const [secret, setSecret] = useState<string | undefined>();
  const reveal = useMutation({
    mutationFn: async () =>
      ok(await api.GET('/v1/webhooks/{id}/secret', { params: { path: { id: webhook.id } } })).signingSecret,
    onSuccess: setSecret,
  });
  return (
    <section aria-labelledby="secret-heading" className="card">
      <h2 id="secret-heading">Signing secret</h2>
      {!webhook.signing.enabled ? (
        <p>Signing is off for this webhook.</p>
      ) : secret ? (
        <>
          <p>
            <code className="secret">{secret}</code>
          </p>
          <div className="actions">
            <CopyButton text={secret} label="Copy secret" />
            <button type="button" className="button secondary" onClick={() => setSecret(undefined)}>
              Hide secret
            </button>
          </div>
        </>
      ) : (
        <>
          <p>
            <code>whsec_••••••••</code>
          </p>
          <button
            type="button"
            className="button secondary"
            onClick={() => reveal.mutate()}
            disabled={reveal.isPending}
          >
            Reveal secret
          </button>
          {reveal.isError && <p role="alert">{errorText(reveal.error)}</p>}
        </>
      )}
    </section>
  );
}

function Health({ webhook }: { webhook: Webhook }) {
  const health = webhook.health;
  return (
    <section aria-labelledby="health-heading" className="card">
      <h2 id="health-heading">Health</h2>
      {!health ? (
        <p>No health figures yet.</p>
      ) : (
        <dl className="facts">
          <dt>State</dt>
          <dd>
            <WebhookState webhook={webhook} />
          </dd>
          <dt>Last attempt</dt>
          <dd>
            {health.lastAttemptAt ? <Time iso={health.lastAttemptAt} /> : 'No attempt yet'}
            {health.lastOutcome ? ` · ${health.lastOutcome}` : ''}
            {health.lastStatusCode ? ` · HTTP ${health.lastStatusCode}` : ''}
          </dd>
          {(health.lastOutcome === 'failed' || health.failingSince || health.circuitOpenUntil) && (
            <>
              <dt>Why it fails</dt>
              <dd>
                <LastFailure webhook={webhook} />
              </dd>
            </>
          )}
          <dt>Last 24 hours</dt>
          <dd>
            {count(health.succeeded24h, 'attempt')} succeeded, {health.failed24h} failed (attempts, retries
            included)
          </dd>
        </dl>
      )}
    </section>
  );
}

/**
 * The reason of the webhook's latest failed delivery, from the delivery log (health keeps counts and
 * the last status, not the error text): what the endpoint answered, or why no answer came.
 */
function LastFailure({ webhook }: { webhook: Webhook }) {
  const query = useDeliveryList({ webhookId: webhook.id, status: 'failed', limit: 1 });
  const pendingQuery = useDeliveryList({ webhookId: webhook.id, status: 'pending', limit: 1 });
  const latest = [...rowsOf(query), ...rowsOf(pendingQuery)]
    .filter((delivery) => delivery.lastError || delivery.lastStatusCode)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
  const statusCode = latest?.lastStatusCode ?? webhook.health?.lastStatusCode;
  if (!latest && statusCode === undefined) return <>{query.isPending ? 'Loading…' : 'Not recorded'}</>;
  // The recorded error already says what came back (e.g. "endpoint answered 500"), or why nothing did.
  const error = latest?.lastError;
  const reason = error
    ? `${error.charAt(0).toUpperCase()}${error.slice(1)}`
    : `The endpoint answered HTTP ${statusCode}`;
  return (
    <>
      {reason}
      {latest && (
        <>
          {' '}
          (<Link href={pathTo('delivery', { id: latest.id })}>latest failed delivery</Link>)
        </>
      )}
    </>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  return (
    <section aria-labelledby="deliveries-heading" className="card">
      <h2 id="deliveries-heading">Recent deliveries</h2>
      <DeliveryList webhookId={webhook.id} pageSize={DELIVERIES_PAGE} />
    </section>
  );
}

/**
 * "Recover failed deliveries" since a chosen time (docs/contract.md#admin-api: `POST /v1/webhooks/{id}/recover`). The API
 * takes a window of at most 7 days and enqueues at most 1000 per call; its field errors show beside
 * the field, and when more remain (`resumeUntil`) the next press continues from there.
 */
function Recover({ webhook }: { webhook: Webhook }) {
  const { api } = useConsole();
  const showError = useErrorNotice();
  const queryClient = useQueryClient();
  const notice = useNotice();
  const id = useId();
  const [since, setSince] = useState(() => {
    // Default: the last 24 hours, in the reader's local time as datetime-local expects.
    const date = new Date(Date.now() - 24 * 3600_000 - new Date().getTimezoneOffset() * 60_000);
    return date.toISOString().slice(0, 16);
  });
  // Exact ISO instant from the API's last answer; the minute precision of the field would skip deliveries.
  const [resumeUntil, setResumeUntil] = useState<string | undefined>();
  const [sinceError, setSinceError] = useState<string | undefined>();
  const recover = useMutation({
    mutationFn: async () => {
      const iso = localToIso(since);
      if (!iso)
        throw new ApiError(400, 'validation_error', 'Invalid input', [
          { field: 'since', message: 'Choose a valid start time.' },
        ]);
      return ok(
        await api.POST('/v1/webhooks/{id}/recover', {
          params: { path: { id: webhook.id } },
          body: { since: iso, ...(resumeUntil ? { until: resumeUntil } : {}) },
        }),
      );
    },
    onMutate: () => setSinceError(undefined),
    onSuccess: async (result) => {
      setResumeUntil(result.resumeUntil);
      const enqueued = `${count(result.enqueued, 'failed delivery', 'failed deliveries')} enqueued again.`;
      notice(
        result.resumeUntil
          ? `${enqueued} More failed deliveries remain before ${new Date(result.resumeUntil).toLocaleString()}: press Recover again to continue.`
          : enqueued,
      );
      await queryClient.invalidateQueries({ queryKey: queryKeys.deliveries.all });
      await queryClient.invalidateQueries({ queryKey: queryKeys.webhooks.one(webhook.id) });
    },
    onError: (error) => {
      const issues =
        error instanceof ApiError ? error.details.filter((issue) => issue.field === 'since') : [];
      if (issues.length > 0) setSinceError(issues.map((issue) => issue.message).join(' '));
      else showError(error, webhook.id);
    },
  });
  return (
    <section aria-labelledby="recover-heading" className="card">
      <h2 id="recover-heading">Recover failed deliveries</h2>
      <p id={`${id}-help`}>
        Sends every failed delivery of this webhook since that time again, up to 7 days back.
      </p>
      <form
        className="filters"
        noValidate
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          recover.mutate();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-since`}>Failed since</label>
          <input
            id={`${id}-since`}
            type="datetime-local"
            value={since}
            aria-describedby={sinceError ? `${id}-help ${id}-since-error` : `${id}-help`}
            aria-invalid={sinceError ? true : undefined}
            onChange={(event) => {
              setSince(event.target.value);
              setResumeUntil(undefined);
              setSinceError(undefined);
            }}
          />
          {sinceError && (
            <p className="field-error" id={`${id}-since-error`}>
              {sinceError}
            </p>
          )}
        </div>
        <button type="submit" className="button" disabled={recover.isPending}>
          Recover failed deliveries
        </button>
      </form>
    </section>
  );
}
