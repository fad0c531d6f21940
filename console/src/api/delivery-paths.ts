/**
 * The delivery-log routes of SPEC sections 5 and 6.3, typed by hand from the SPEC because this
 * branch's /v1/openapi.json does not serve them yet. Once the generated openapi.d.ts carries these
 * paths, delete this file and the intersection in client.ts: the generated types then rule.
 */
import type { components } from './openapi';

type ErrorBody = components['schemas']['Error'];
type ErrorResponses = {
  400: { content: { 'application/json': ErrorBody } };
  401: { content: { 'application/json': ErrorBody } };
  404: { content: { 'application/json': ErrorBody } };
  409: { content: { 'application/json': ErrorBody } };
};

/** SPEC 6.3: one event to one webhook, with its outcome. */
export interface DeliverySummary {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attemptCount: number;
  lastStatusCode?: number | null;
  lastError?: string | null;
  nextAttemptAt?: string | null;
  createdAt: string;
  updatedAt: string;
}

/** SPEC 6.3: one attempt, request headers with secret values masked. */
export interface DeliveryAttempt {
  at: string;
  statusCode?: number;
  error?: string;
  durationMs: number;
  requestHeaders?: Record<string, string>;
  responseSnippet?: string;
}

/** SPEC 6.3: the detail view, with the payload as sent and every attempt. */
export interface DeliveryDetail extends DeliverySummary {
  payload?: unknown;
  attempts: DeliveryAttempt[];
}

/** SPEC section 5: `health` on a webhook (read-only). */
export interface WebhookHealth {
  lastAttemptAt?: string;
  lastStatusCode?: number;
  lastOutcome?: string;
  failingSince?: string;
  succeeded24h: number;
  failed24h: number;
}

/** openapi-typescript-shaped `paths` for the delivery routes. */
export interface DeliveryPaths {
  '/v1/deliveries': {
    get: {
      parameters: {
        query?: {
          webhookId?: string;
          status?: 'pending' | 'succeeded' | 'failed';
          eventType?: string;
          since?: string;
          until?: string;
          limit?: number;
          cursor?: string;
        };
      };
      responses: {
        200: { content: { 'application/json': { items: DeliverySummary[]; nextCursor: string | null } } };
      } & Pick<ErrorResponses, 400 | 401>;
    };
  };
  '/v1/deliveries/{id}': {
    get: {
      parameters: { path: { id: string } };
      responses: { 200: { content: { 'application/json': DeliveryDetail } } } & Pick<
        ErrorResponses,
        401 | 404
      >;
    };
  };
  '/v1/deliveries/{id}/redeliver': {
    post: {
      parameters: { path: { id: string } };
      responses: { 202: { content: { 'application/json': unknown } } } & ErrorResponses;
    };
  };
  '/v1/webhooks/{id}/recover': {
    post: {
      parameters: { path: { id: string } };
      requestBody: { content: { 'application/json': { since: string; until?: string } } };
      responses: { 202: { content: { 'application/json': { enqueued: number } } } } & ErrorResponses;
    };
  };
}
