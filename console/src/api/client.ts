/**
 * The console's typed admin API client (openapi-fetch over the generated types), with the
 * caller's bearer token added to every request and error bodies turned into `ApiError`.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './openapi';

export type Schemas = components['schemas'];
/** A webhook as the API returns it, with its read-only `health` (docs/contract.md#admin-api). */
export type Webhook = Schemas['Webhook'];
/** docs/contract.md#admin-api: last attempt, outcome, failing since, counts over the last 24 hours. */
export type WebhookHealth = NonNullable<Webhook['health']>;
export type WebhookCreate = Schemas['WebhookCreate'];
export type EventTypeInfo = Schemas['EventTypeList']['items'][number];
export type FailureLog = Schemas['FailureLog'];
export type RejectedEvent = Schemas['RejectedEventPage']['items'][number];
/** docs/contract.md#delivery-log: one delivery (one event to one webhook) as the list shows it. */
export type DeliverySummary = Schemas['DeliveryPage']['items'][number];
/** docs/contract.md#delivery-log: one delivery with `payload` (the body as sent, absent once retention has passed) and every attempt. */
export type DeliveryDetail = Schemas['Delivery'];
/** One attempt of a delivery, request headers masked. */
export type DeliveryAttempt = DeliveryDetail['attempts'][number];
/** One attempt of a failure log (no request headers kept). */
export type FailureLogAttempt = FailureLog['attempts'][number];

/** One field-level problem the API reported (`details[]` of the error shape). */
export interface FieldIssue {
  field: string;
  message: string;
}

/** A non-2xx answer of the API, in its error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldIssue[] = [],
  ) {
    super(message);
  }
}

/** Creates a client for `baseUrl` ('' = this origin) that asks `token()` for each request's bearer token. */
export function createApiClient(baseUrl: string, token: () => Promise<string | undefined>) {
  const client = createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, '') });
  const auth: Middleware = {
    async onRequest({ request }) {
      const value = await token();
      if (value) request.headers.set('authorization', `Bearer ${value}`);
      return request;
    },
  };
  client.use(auth);
  return client;
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** Unwraps an openapi-fetch result: the data, or an `ApiError` thrown. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  const body = result.error as
    | { error?: { code?: string; message?: string; details?: FieldIssue[] } }
    | undefined;
  throw new ApiError(
    result.response.status,
    body?.error?.code ?? 'http_error',
    body?.error?.message ?? `HTTP ${result.response.status}`,
    Array.isArray(body?.error?.details) ? body.error.details : [],
  );
}
