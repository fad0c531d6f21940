/**
 * "Add Webhook" and "Edit" (the seed's form): every writable field of the API. The server is the
 * judge of validity: the form sends what was typed and shows each field error of the 400 answer
 * beside its field (`details[].field` such as `url`, `events[0]`, `headers.X-Foo`, `authentication.token`).
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useId, useState } from 'react';
import { ApiError, type FieldIssue, ok, type Webhook, type WebhookCreate } from '../api/client';
import { queryKeys, useWebhook } from '../api/queries';
import {
  AUTH_FIELD_NAMES,
  AUTH_FORM_KINDS,
  AUTH_TYPES,
  type AuthFormField,
  type AuthType,
  authenticationBody,
  authFieldsOf,
  shownAuthValues,
} from '../auth-kinds';
import { Json } from '../components/Json';
import { errorText, useConsole } from '../context';
import { count } from '../count';
import { useEventCatalogue } from '../event-names';
import { useNotice } from '../notices';
import { Link, navigate, pathTo, ScreenHeading } from '../router';

/**
 * One custom header as edited. `secret`: sent as `{ value, secret: true }`, never shown again;
 * `stored`: a secret the server holds under this name, kept (`{ secret: true }`) while `value` is empty.
 */
type HeaderRow = { key: number; name: string; value: string; secret: boolean; stored: boolean };

/** A header row as the API takes it: a secret left empty keeps its stored value. */
function headerInput(row: HeaderRow): string | { secret: true } | { value: string; secret: true } {
  if (!row.secret) return row.value;
  return row.stored && row.value === '' ? { secret: true } : { value: row.value, secret: true };
}

interface FormState {
  name: string;
  description: string;
  brandId: string;
  events: string[];
  url: string;
  authEnabled: boolean;
  authType: AuthType;
  /** The authentication fields as typed, by their API name (see auth-kinds). */
  authValues: Record<string, string>;
  signing: boolean;
  /** Deliver one conversation's events one at a time, in order (`ordering: "conversation"`). */
  ordered: boolean;
  headers: HeaderRow[];
}

const EMPTY: FormState = {
  name: '',
  description: '',
  brandId: '',
  events: [],
  url: '',
  authEnabled: false,
  authType: AUTH_TYPES[0],
  authValues: {},
  signing: true,
  ordered: false,
  headers: [],
};

let nextRowKey = 1;

function fromWebhook(webhook: Webhook): FormState {
  const auth = webhook.authentication;
  return {
    ...EMPTY,
    name: webhook.name,
    description: webhook.description,
    brandId: webhook.brandId ?? '',
    events: [...webhook.events],
    url: webhook.url,
    authEnabled: auth !== null,
    authType: auth?.type ?? AUTH_TYPES[0],
    authValues: auth ? shownAuthValues(auth) : {},
    signing: webhook.signing.enabled,
    ordered: webhook.ordering === 'conversation',
    headers: Object.entries(webhook.headers).map(([name, value]) =>
      typeof value === 'string'
        ? { key: nextRowKey++, name, value, secret: false, stored: false }
        : { key: nextRowKey++, name, value: '', secret: true, stored: true },
    ),
  };
}

/** The form field (and element id part) of an authentication field. */
function authFormField(name: string): string {
  return `auth-${name}`;
}

/** Which form field an API error path belongs to. */
function fieldOf(path: string): string {
  if (path.startsWith('events')) return 'events';
  if (path.startsWith('headers')) return 'headers';
  const authField = path.startsWith('authentication.') ? path.slice('authentication.'.length) : '';
  if (AUTH_FIELD_NAMES.has(authField)) return authFormField(authField);
  if (path.startsWith('authentication')) return 'authentication';
  if (path.startsWith('signing')) return 'signing';
  if (path.startsWith('ordering')) return 'ordering';
  if (path === 'brandId') return 'brandId';
  return path;
}

const FORM_FIELDS = new Set([
  'name',
  'description',
  'brandId',
  'events',
  'url',
  'authentication',
  ...[...AUTH_FIELD_NAMES].map(authFormField),
  'signing',
  'ordering',
  'headers',
]);

export function WebhookFormScreen({ webhookId }: { webhookId?: string | undefined }) {
  const existing = useWebhook(webhookId);
  const catalogue = useEventCatalogue();
  const title = webhookId ? 'Edit webhook' : 'Add Webhook';
  if (webhookId && existing.isPending) return <ScreenHeading pending>{title}</ScreenHeading>;
  if (existing.isError) {
    return (
      <>
        <ScreenHeading>{title}</ScreenHeading>
        <p role="alert">Could not load the webhook: {errorText(existing.error)}</p>
      </>
    );
  }
  return (
    <WebhookForm
      title={title}
      existing={existing.data}
      catalogue={catalogue.data ?? []}
      catalogueError={catalogue.isError ? errorText(catalogue.error) : undefined}
    />
  );
}

function WebhookForm(props: {
  title: string;
  existing: Webhook | undefined;
  catalogue: { type: string; name: string; description: string; samplePayload: unknown }[];
  catalogueError: string | undefined;
}) {
  const { existing } = props;
  const { api } = useConsole();
  const queryClient = useQueryClient();
  const notice = useNotice();
  const [form, setForm] = useState<FormState>(() => (existing ? fromWebhook(existing) : EMPTY));
  // On edit, credentials are write-only: they are sent only when the admin changes the section.
  const [authTouched, setAuthTouched] = useState(existing === undefined);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const id = useId();

  useEffect(() => {
    if (formError) document.getElementById(`${id}-form-error`)?.focus();
  }, [formError, id]);

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) =>
    setForm((old) => ({ ...old, [key]: value }));
  const setAuth = <K extends keyof FormState>(key: K, value: FormState[K]) => {
    setAuthTouched(true);
    set(key, value);
  };

  const body = (): WebhookCreate => {
    const authentication: WebhookCreate['authentication'] = form.authEnabled
      ? authenticationBody(form.authType, form.authValues)
      : null;
    return {
      name: form.name,
      description: form.description,
      brandId: form.brandId.trim() === '' ? null : form.brandId.trim(),
      events: form.events as WebhookCreate['events'],
      url: form.url,
      status: existing?.status ?? 'active',
      authentication,
      signing: { enabled: form.signing },
      ordering: form.ordered ? 'conversation' : 'none',
      headers: Object.fromEntries(form.headers.map((row) => [row.name, headerInput(row)])),
    };
  };

  const save = useMutation({
    mutationFn: async () => {
      const full = body();
      if (!existing) return ok(await api.POST('/v1/webhooks', { body: full }));
      const { status: _status, authentication, ...rest } = full;
      const patch = authTouched ? { ...rest, authentication } : rest;
      return ok(await api.PATCH('/v1/webhooks/{id}', { params: { path: { id: existing.id } }, body: patch }));
    },
    onSuccess: async (webhook) => {
      await queryClient.invalidateQueries({ queryKey: queryKeys.webhooks.all });
      notice(existing ? `${webhook.name} was saved.` : `${webhook.name} was added.`);
      navigate(pathTo('webhook', { id: webhook.id }));
    },
    onError: (error) => {
      if (error instanceof ApiError && error.details.length > 0) {
        const byField: Record<string, string[]> = {};
        const other: FieldIssue[] = [];
        for (const issue of error.details) {
          const field = fieldOf(issue.field);
          if (FORM_FIELDS.has(field)) {
            const text = issue.field === field ? issue.message : `${issue.field}: ${issue.message}`;
            byField[field] = [...(byField[field] ?? []), text];
          } else other.push(issue);
        }
        setErrors(byField);
        setFormError(
          `The webhook was not saved: ${count(error.details.length, 'field needs', 'fields need')} attention.` +
            (other.length ? ` ${other.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}` : ''),
        );
      } else {
        setErrors({});
        setFormError(`The webhook was not saved: ${errorText(error)}`);
      }
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFormError(undefined);
    save.mutate();
  };

  const described = (field: string, help?: string) => {
    const ids = [help ? `${id}-${field}-help` : '', errors[field] ? `${id}-${field}-error` : ''].filter(
      Boolean,
    );
    return {
      'aria-describedby': ids.length ? ids.join(' ') : undefined,
      'aria-invalid': errors[field] ? true : undefined,
    };
  };
  const errorFor = (field: string) =>
    errors[field] ? (
      <p className="field-error" id={`${id}-${field}-error`}>
        {errors[field].join(' ')}
      </p>
    ) : null;
  const text = (
    field: keyof FormState & string,
    label: string,
    options: { help?: ReactNode; type?: string } = {},
  ) => (
    <div className="field">
      <label htmlFor={`${id}-${field}`}>{label}</label>
      <input
        id={`${id}-${field}`}
        type={options.type ?? 'text'}
        value={form[field] as string}
        autoComplete="off"
        onChange={(event) => set(field, event.target.value as never)}
        {...described(field, options.help ? 'help' : undefined)}
      />
      {options.help && (
        <p className="help" id={`${id}-${field}-help`}>
          {options.help}
        </p>
      )}
      {errorFor(field)}
    </div>
  );
  // One input of the chosen authentication kind; secrets are password inputs.
  const authInput = (authField: AuthFormField) => {
    const field = authFormField(authField.name);
    return (
      <div className="field" key={field}>
        <label htmlFor={`${id}-${field}`}>{authField.label}</label>
        <input
          id={`${id}-${field}`}
          type={authField.secret ? 'password' : 'text'}
          value={form.authValues[authField.name] ?? ''}
          autoComplete="off"
          onChange={(event) =>
            setAuth('authValues', { ...form.authValues, [authField.name]: event.target.value })
          }
          {...described(field)}
        />
        {errorFor(field)}
      </div>
    );
  };

  return (
    <>
      <ScreenHeading>{props.title}</ScreenHeading>
      <form className="card form" onSubmit={submit} noValidate>
        {formError && (
          <p className="form-error" id={`${id}-form-error`} role="alert" tabIndex={-1}>
            {formError}
          </p>
        )}
        {text('name', 'Name')}
        <div className="field">
          <label htmlFor={`${id}-description`}>Description</label>
          <textarea
            id={`${id}-description`}
            rows={2}
            value={form.description}
            onChange={(event) => set('description', event.target.value)}
            {...described('description')}
          />
          {errorFor('description')}
        </div>
        {text('brandId', 'Brand', {
          help: 'The brand id this webhook applies to; leave empty for all brands.',
        })}

        <fieldset className="field" {...described('events')}>
          <legend>Event</legend>
          {props.catalogueError && (
            <p role="alert">Could not load the event catalogue: {props.catalogueError}</p>
          )}
          <ul className="event-choices">
            {props.catalogue.map((event) => (
              <li key={event.type}>
                <input
                  type="checkbox"
                  id={`${id}-event-${event.type}`}
                  checked={form.events.includes(event.type)}
                  aria-describedby={`${id}-event-${event.type}-description`}
                  onChange={(change) =>
                    set(
                      'events',
                      change.target.checked
                        ? [...form.events, event.type]
                        : form.events.filter((type) => type !== event.type),
                    )
                  }
                />
                <label htmlFor={`${id}-event-${event.type}`}>{event.name}</label>
                <p className="help" id={`${id}-event-${event.type}-description`}>
                  {event.description} <code>{event.type}</code>
                </p>
                <details>
                  <summary>Sample payload of {event.name}</summary>
                  <Json value={event.samplePayload} label={`Sample payload of ${event.name}`} />
                </details>
              </li>
            ))}
          </ul>
          {errorFor('events')}
        </fieldset>

        {text('url', 'Destination URL', { type: 'url', help: 'An https:// URL on a public host.' })}

        <fieldset className="field">
          <legend>Security</legend>
          <div className="check">
            <input
              type="checkbox"
              id={`${id}-auth`}
              checked={form.authEnabled}
              onChange={(event) => setAuth('authEnabled', event.target.checked)}
              {...described('authentication')}
            />
            <label htmlFor={`${id}-auth`}>Enable Authentication</label>
          </div>
          {errorFor('authentication')}
          {form.authEnabled && (
            <div className="nested">
              {existing?.authentication && !authTouched && (
                <p className="help">Credentials are kept as they are unless you change this section.</p>
              )}
              <div className="field">
                <label htmlFor={`${id}-auth-type`}>Authentication type</label>
                <select
                  id={`${id}-auth-type`}
                  value={form.authType}
                  onChange={(event) => setAuth('authType', event.target.value as AuthType)}
                >
                  {AUTH_TYPES.map((type) => (
                    <option key={type} value={type}>
                      {AUTH_FORM_KINDS[type].label}
                    </option>
                  ))}
                </select>
              </div>
              {authFieldsOf(form.authType).map(authInput)}
            </div>
          )}
          <div className="check">
            <input
              type="checkbox"
              id={`${id}-signing`}
              checked={form.signing}
              onChange={(event) => set('signing', event.target.checked)}
              aria-describedby={`${id}-signing-help`}
            />
            <label htmlFor={`${id}-signing`}>Enable Signing</label>
          </div>
          <p className="help" id={`${id}-signing-help`}>
            Deliveries carry a Standard Webhooks signature (webhook-signature header).
          </p>
          {errorFor('signing')}
          <div className="check">
            <input
              type="checkbox"
              id={`${id}-ordering`}
              checked={form.ordered}
              onChange={(event) => set('ordered', event.target.checked)}
              aria-describedby={`${id}-ordering-help`}
            />
            <label htmlFor={`${id}-ordering`}>Deliver each conversation in order</label>
          </div>
          <p className="help" id={`${id}-ordering-help`}>
            One conversation's events arrive one at a time, in the order they happened: a failing delivery
            holds the events of its conversation (only) until it succeeds or is given up. Costs throughput;
            leave it off if your endpoint fetches the current state anyway.
          </p>
          {errorFor('ordering')}
        </fieldset>

        <fieldset className="field" {...described('headers')}>
          <legend>Custom Headers</legend>
          {form.headers.length === 0 && <p className="help">No custom headers.</p>}
          {form.headers.map((row, index) => (
            <div className="header-row" key={row.key}>
              <div className="field">
                <label htmlFor={`${id}-header-${row.key}-name`}>Header {index + 1} name</label>
                <input
                  id={`${id}-header-${row.key}-name`}
                  value={row.name}
                  autoComplete="off"
                  onChange={(event) =>
                    set(
                      'headers',
                      form.headers.map((other) =>
                        other.key === row.key ? { ...other, name: event.target.value } : other,
                      ),
                    )
                  }
                />
              </div>
              <div className="field">
                <label htmlFor={`${id}-header-${row.key}-value`}>Header {index + 1} value</label>
                <input
                  id={`${id}-header-${row.key}-value`}
                  type={row.secret ? 'password' : 'text'}
                  value={row.value}
                  autoComplete="off"
                  placeholder={row.stored && row.secret ? 'Stored secret: leave empty to keep it' : undefined}
                  onChange={(event) =>
                    set(
                      'headers',
                      form.headers.map((other) =>
                        other.key === row.key ? { ...other, value: event.target.value } : other,
                      ),
                    )
                  }
                />
              </div>
              <div className="check">
                <input
                  type="checkbox"
                  id={`${id}-header-${row.key}-secret`}
                  checked={row.secret}
                  onChange={(event) =>
                    set(
                      'headers',
                      form.headers.map((other) =>
                        other.key === row.key ? { ...other, secret: event.target.checked } : other,
                      ),
                    )
                  }
                />
                <label htmlFor={`${id}-header-${row.key}-secret`}>Header {index + 1} is secret</label>
              </div>
              <button
                type="button"
                className="button secondary"
                onClick={() =>
                  set(
                    'headers',
                    form.headers.filter((other) => other.key !== row.key),
                  )
                }
              >
                Remove header {index + 1}
              </button>
            </div>
          ))}
          <button
            type="button"
            className="button secondary"
            onClick={() =>
              set('headers', [
                ...form.headers,
                { key: nextRowKey++, name: '', value: '', secret: false, stored: false },
              ])
            }
          >
            Add header
          </button>
          {errorFor('headers')}
        </fieldset>

        <div className="actions">
          <button type="submit" className="button" disabled={save.isPending}>
            {existing ? 'Save' : 'Add'}
          </button>
          <Link
            className="button secondary"
            href={existing ? pathTo('webhook', { id: existing.id }) : pathTo('home')}
          >
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
