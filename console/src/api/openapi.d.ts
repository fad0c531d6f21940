/**
 * Generated from the admin API's /v1/openapi.json by console/scripts/generate-api-types.ts.
 * Do not edit: run `npm run generate:console-api`.
 */

export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness check; needs no token */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/event-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The event catalogue with sample payloads */
        get: operations["listEventTypes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List webhooks, paginated */
        get: operations["listWebhooks"];
        put?: never;
        /** Create a webhook */
        post: operations["createWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a webhook */
        get: operations["getWebhook"];
        put?: never;
        post?: never;
        /** Delete a webhook permanently */
        delete: operations["deleteWebhook"];
        options?: never;
        head?: never;
        /** Edit any writable field of a webhook */
        patch: operations["updateWebhook"];
        trace?: never;
    };
    "/v1/webhooks/{id}/deactivate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop deliveries, keep the setup */
        post: operations["deactivateWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/activate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume deliveries */
        post: operations["activateWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Reveal the current signing secret; 409 when the webhook does not sign */
        get: operations["getWebhookSecret"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** New signing secret; the replaced one keeps signing beside it for previousSecretExpiresIn seconds (default 24 h, at most 7 days); an older one ends at once */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send webhook.test (default) or a catalogue sample now and report the outcome; recorded in the delivery log with test: true, never retried, not counted in health */
        post: operations["testWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Attempts per hour or day (succeeded, failed, p50/p95 latency) over at most 31 days, from the service's own counters */
        get: operations["getWebhookStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/failure-logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Failure logs, newest first */
        get: operations["listFailureLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/failure-logs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One failure log with every attempt */
        get: operations["getFailureLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/failure-logs/{id}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Enqueue the failed delivery again */
        post: operations["redeliverFailureLog"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The delivery log, newest first; filters combine */
        get: operations["listDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One delivery: the payload as sent and every attempt */
        get: operations["getDelivery"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries/{id}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send the delivery again, whatever its outcome was (same webhook-id) */
        post: operations["redeliverDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/recover": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Redeliver every failed delivery of the webhook in a window of at most 7 days */
        post: operations["recoverWebhookDeliveries"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/rejected-events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Chat events rejected by schema, newest first */
        get: operations["listRejectedEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/portal-sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mint a single-use link that opens the console for one tenant (the platform's credential only) */
        post: operations["createPortalSession"];
        /** End every portal link and session of a tenant at once (the platform's credential only) */
        delete: operations["revokePortalSessions"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/portal-sessions/exchange": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Exchange a link's token (from its fragment) once for a session; the console then calls the routes under /portal (e.g. /portal/v1/webhooks) with `Authorization: Bearer <sessionToken>` */
        post: operations["exchangePortalSession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["getOpenApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        WebhookCreate: {
            name: string;
            /** @default  */
            description: string;
            /** @default null */
            brandId: string | null;
            events: ("conversation.created" | "conversation.deleted" | "conversation.property_updated" | "conversation.status_updated" | "conversation.assignee_updated" | "message.created" | "message.edited" | "message.retracted")[];
            /**
             * Format: uri
             * @description Absolute https:// URL, at most 2048 characters, on a public host.
             */
            url: string;
            /**
             * @default active
             * @enum {string}
             */
            status: "active" | "inactive";
            /** @default null */
            authentication: ({
                /** @constant */
                type: "basic";
                username: string;
                password: string;
            } | {
                /** @constant */
                type: "bearer";
                token: string;
            } | {
                /** @constant */
                type: "api_key";
                headerName: string;
                value: string;
            }) | null;
            /**
             * @default {
             *       "enabled": true
             *     }
             */
            signing: {
                enabled: boolean;
            };
            /**
             * @description Up to 20 custom headers sent with every delivery. A value is a string (shown in responses) or `{ "value": "...", "secret": true }` (encrypted at rest, shown as `{ "secret": true }`; send `{ "secret": true }` to keep the stored value).
             * @default {}
             */
            headers: {
                [key: string]: string | ({
                    value: string;
                    /** @constant */
                    secret: true;
                } | {
                    /** @constant */
                    secret: true;
                });
            };
            /**
             * @description `conversation`: one conversation's deliveries one at a time, in the order their events were accepted (a retry holds that conversation only); `none` (default): no order.
             * @default none
             * @enum {string}
             */
            ordering: "none" | "conversation";
        };
        WebhookPatch: {
            name?: string;
            description?: string;
            brandId?: string | null;
            events?: ("conversation.created" | "conversation.deleted" | "conversation.property_updated" | "conversation.status_updated" | "conversation.assignee_updated" | "message.created" | "message.edited" | "message.retracted")[];
            /**
             * Format: uri
             * @description Absolute https:// URL, at most 2048 characters, on a public host.
             */
            url?: string;
            /** @enum {string} */
            status?: "active" | "inactive";
            authentication?: ({
                /** @constant */
                type: "basic";
                username: string;
                password: string;
            } | {
                /** @constant */
                type: "bearer";
                token: string;
            } | {
                /** @constant */
                type: "api_key";
                headerName: string;
                value: string;
            }) | null;
            signing?: {
                enabled: boolean;
            };
            /** @description Up to 20 custom headers sent with every delivery. A value is a string (shown in responses) or `{ "value": "...", "secret": true }` (encrypted at rest, shown as `{ "secret": true }`; send `{ "secret": true }` to keep the stored value). */
            headers?: {
                [key: string]: string | ({
                    value: string;
                    /** @constant */
                    secret: true;
                } | {
                    /** @constant */
                    secret: true;
                });
            };
            /**
             * @description `conversation`: one conversation's deliveries one at a time, in the order their events were accepted (a retry holds that conversation only); `none` (default): no order.
             * @enum {string}
             */
            ordering?: "none" | "conversation";
        };
        RecoverRequest: {
            /**
             * Format: date-time
             * @description ISO 8601 date-time with an offset, e.g. 2026-11-29T10:00:00Z
             */
            since: string;
            /**
             * Format: date-time
             * @description ISO 8601 date-time with an offset, e.g. 2026-11-29T10:00:00Z
             */
            until?: string;
        };
        RotateSecretRequest: {
            /** @description Seconds the replaced secret keeps signing beside the new one (0 ends it now); default 86400 */
            previousSecretExpiresIn?: number;
        };
        PortalSessionRequest: {
            tenantId: string;
            /** @description ["read"] or ["read","manage"] */
            capabilities: ("read" | "manage")[];
            /**
             * @description Seconds the link may be opened in, and the session lives once opened (at most 3600)
             * @default 900
             */
            expiresIn: number;
            /** @description Limits the session to these brands' webhooks and deliveries */
            brandIds?: string[];
        };
        PortalExchangeRequest: {
            token: string;
        };
        Webhook: {
            id: string;
            name: string;
            description: string;
            brandId: string | null;
            events: string[];
            url: string;
            /** @enum {string} */
            status: "active" | "inactive";
            authentication: ({
                /** @constant */
                type: "basic";
                username: string;
            } | {
                /** @constant */
                type: "bearer";
            } | {
                /** @constant */
                type: "api_key";
                headerName: string;
            }) | null;
            signing: {
                enabled: boolean;
            };
            headers: {
                [key: string]: string | {
                    /** @constant */
                    secret: true;
                };
            };
            /**
             * @description `conversation`: one conversation's deliveries one at a time, in the order their events were accepted (a retry holds that conversation only); `none` (default): no order.
             * @enum {string}
             */
            ordering: "none" | "conversation";
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            disabledReason?: string;
            /** @description Read-only. Counts cover the current hour and the 23 before it. */
            health?: {
                /** Format: date-time */
                lastAttemptAt?: string;
                lastStatusCode?: number;
                /** @enum {string} */
                lastOutcome?: "succeeded" | "failed";
                /** Format: date-time */
                failingSince?: string;
                /**
                 * Format: date-time
                 * @description While a delivery process has stopped sending to this webhook after repeated failures (its circuit is open): until when. Each process keeps its own circuit; this is the latest opening one of them recorded, shown while it lasts and no attempt has succeeded since.
                 */
                circuitOpenUntil?: string;
                succeeded24h: number;
                failed24h: number;
            };
        };
        WebhookCreated: {
            id: string;
            name: string;
            description: string;
            brandId: string | null;
            events: string[];
            url: string;
            /** @enum {string} */
            status: "active" | "inactive";
            authentication: ({
                /** @constant */
                type: "basic";
                username: string;
            } | {
                /** @constant */
                type: "bearer";
            } | {
                /** @constant */
                type: "api_key";
                headerName: string;
            }) | null;
            signing: {
                enabled: boolean;
            };
            headers: {
                [key: string]: string | {
                    /** @constant */
                    secret: true;
                };
            };
            /**
             * @description `conversation`: one conversation's deliveries one at a time, in the order their events were accepted (a retry holds that conversation only); `none` (default): no order.
             * @enum {string}
             */
            ordering: "none" | "conversation";
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            disabledReason?: string;
            /** @description Read-only. Counts cover the current hour and the 23 before it. */
            health?: {
                /** Format: date-time */
                lastAttemptAt?: string;
                lastStatusCode?: number;
                /** @enum {string} */
                lastOutcome?: "succeeded" | "failed";
                /** Format: date-time */
                failingSince?: string;
                /**
                 * Format: date-time
                 * @description While a delivery process has stopped sending to this webhook after repeated failures (its circuit is open): until when. Each process keeps its own circuit; this is the latest opening one of them recorded, shown while it lasts and no attempt has succeeded since.
                 */
                circuitOpenUntil?: string;
                succeeded24h: number;
                failed24h: number;
            };
            /** @description whsec_ + base64 of 32 random bytes */
            signingSecret?: string;
        };
        WebhookPage: {
            items: components["schemas"]["Webhook"][];
            nextCursor: string | null;
        };
        EventEnvelope: {
            id: string;
            type: string;
            timestamp: string;
            tenantId: string;
            brandId: string | null;
            data: {
                [key: string]: unknown;
            };
        };
        EventTypeList: {
            items: {
                /** @enum {string} */
                type: "conversation.created" | "conversation.deleted" | "conversation.property_updated" | "conversation.status_updated" | "conversation.assignee_updated" | "message.created" | "message.edited" | "message.retracted";
                name: string;
                description: string;
                samplePayload: components["schemas"]["EventEnvelope"];
            }[];
        };
        FailureLog: {
            id: string;
            webhookId: string;
            webhookName: string;
            eventId: string;
            eventType: string;
            url: string;
            attempts: {
                /** Format: date-time */
                at: string;
                /** @description The host (and port) this attempt was sent to; after the URL is edited, retries go to the new one. */
                host?: string;
                statusCode?: number;
                error?: string;
                durationMs: number;
                responseSnippet?: string;
            }[];
            attemptCount: number;
            lastStatusCode: number | null;
            lastError: string | null;
            firstAttemptAt: string | null;
            /** Format: date-time */
            failedAt: string;
            /** @description The event as it was sent. */
            event?: components["schemas"]["EventEnvelope"];
            /** @description The delivery log record of this delivery. */
            deliveryId?: string;
            /** @description Why the delivery was given up when that was not its last attempt failing: its retry schedule ended while the webhook kept failing (citing `evidence`), its request could not be built, or the service deactivated the webhook. `attempts` lists only requests that were made. */
            givenUpReason?: string;
            /** @description The failed request to the webhook (possibly made by another delivery) the delivery was given up on. */
            evidence?: {
                /** Format: date-time */
                at: string;
                statusCode?: number;
                error?: string;
            };
        };
        FailureLogPage: {
            items: {
                id: string;
                webhookId: string;
                webhookName: string;
                eventId: string;
                eventType: string;
                url: string;
                attempts: {
                    /** Format: date-time */
                    at: string;
                    /** @description The host (and port) this attempt was sent to; after the URL is edited, retries go to the new one. */
                    host?: string;
                    statusCode?: number;
                    error?: string;
                    durationMs: number;
                    responseSnippet?: string;
                }[];
                attemptCount: number;
                lastStatusCode: number | null;
                lastError: string | null;
                firstAttemptAt: string | null;
                /** Format: date-time */
                failedAt: string;
                /** @description The delivery log record of this delivery. */
                deliveryId?: string;
                /** @description Why the delivery was given up when that was not its last attempt failing: its retry schedule ended while the webhook kept failing (citing `evidence`), its request could not be built, or the service deactivated the webhook. `attempts` lists only requests that were made. */
                givenUpReason?: string;
                /** @description The failed request to the webhook (possibly made by another delivery) the delivery was given up on. */
                evidence?: {
                    /** Format: date-time */
                    at: string;
                    statusCode?: number;
                    error?: string;
                };
            }[];
            nextCursor: string | null;
        };
        RejectedEventPage: {
            items: {
                id: string;
                tenantId: string;
                source: string;
                detailType: string;
                /** Format: date-time */
                receivedAt: string;
                reason: string;
                issues: {
                    path: string;
                    message: string;
                }[];
                detailSnippet: string;
            }[];
            nextCursor: string | null;
        };
        Delivery: {
            id: string;
            webhookId: string;
            eventId: string;
            eventType: string;
            /** @enum {string} */
            status: "pending" | "succeeded" | "failed";
            attemptCount: number;
            lastStatusCode?: number;
            lastError?: string;
            /** Format: date-time */
            nextAttemptAt?: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            /** @description The failure log written when the last attempt failed. */
            failureLogId?: string;
            /** @description The delivery (or, for a failure-log redelivery, the failure log) this one repeats. */
            redeliveryOf?: string;
            /** @description True for a test send (POST /v1/webhooks/{id}/test); never counted in health. */
            test?: boolean;
            attempts: {
                /** Format: date-time */
                at: string;
                /** @description The host (and port) this attempt was sent to; after the URL is edited, retries go to the new one. */
                host?: string;
                statusCode?: number;
                error?: string;
                durationMs: number;
                /** @description As sent; every secret value is masked as ****. */
                requestHeaders: {
                    [key: string]: string;
                };
                /** @description The first 256 characters of the answer. */
                responseSnippet?: string;
            }[];
            /** @description The body as sent (absent once its retention has passed). */
            payload?: components["schemas"]["EventEnvelope"];
        };
        DeliveryPage: {
            items: {
                id: string;
                webhookId: string;
                eventId: string;
                eventType: string;
                /** @enum {string} */
                status: "pending" | "succeeded" | "failed";
                attemptCount: number;
                lastStatusCode?: number;
                lastError?: string;
                /** Format: date-time */
                nextAttemptAt?: string;
                /** Format: date-time */
                createdAt: string;
                /** Format: date-time */
                updatedAt: string;
                /** @description The failure log written when the last attempt failed. */
                failureLogId?: string;
                /** @description The delivery (or, for a failure-log redelivery, the failure log) this one repeats. */
                redeliveryOf?: string;
                /** @description True for a test send (POST /v1/webhooks/{id}/test); never counted in health. */
                test?: boolean;
            }[];
            nextCursor: string | null;
        };
        RedeliveryResult: {
            /** @constant */
            status: "enqueued";
            deliveryId: string;
            webhookId: string;
            eventId: string;
        };
        RecoverResult: {
            enqueued: number;
            /**
             * Format: date-time
             * @description Present when more than 1000 failed deliveries matched: call again with this as until.
             */
            resumeUntil?: string;
        };
        SigningSecret: {
            signingSecret: string;
        };
        RotatedSecret: {
            signingSecret: string;
            /** @description When the replaced secret stops signing (null: there was none) */
            previousSecretExpiresAt: string | null;
        };
        TestDeliveryRequest: {
            /** @description A catalogue event type whose sample payload to send, or webhook.test; default webhook.test (a payload no receiver mistakes for real traffic) */
            eventType?: string;
        };
        TestDeliveryResult: {
            delivered: boolean;
            statusCode?: number;
            durationMs: number;
            error?: string;
            /** @description The event type sent */
            eventType: string;
            /** @description The delivery log record of this test send (absent when the log does not keep it) */
            deliveryId?: string;
        };
        WebhookStats: {
            /** @enum {string} */
            granularity: "hour" | "day";
            buckets: {
                /**
                 * Format: date-time
                 * @description Start of the bucket (UTC hour or day)
                 */
                start: string;
                succeeded: number;
                failed: number;
                /** @description Median attempt duration: upper bound of its latency bucket */
                p50Ms?: number;
                /** @description 95th percentile attempt duration: upper bound of its latency bucket */
                p95Ms?: number;
            }[];
        };
        Health: {
            /** @constant */
            status: "ok";
        };
        PortalLink: {
            /** @description Opens the console in portal mode; the token is in the fragment */
            url: string;
            /** @description The link cannot be opened after this time (ISO 8601) */
            expiresAt: string;
        };
        PortalSession: {
            sessionToken: string;
            expiresAt: string;
            tenantId: string;
            capabilities: ("read" | "manage")[];
            brandIds: string[] | null;
        };
        Error: {
            error: {
                code: string;
                message: string;
                details?: {
                    field: string;
                    message: string;
                }[];
            };
        };
        /** @description An OpenAPI 3.1 document. */
        OpenApiDocument: Record<string, never>;
    };
    responses: {
        /** @description Invalid input; `details` names each field. */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Missing or invalid bearer token. */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The credential may not call this route: a portal session without the `manage` capability on a write, the platform credential on a tenant route, a tenant credential on a platform route. */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No such resource for this tenant. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description A concurrent change won (`conflict`: re-read and retry), a redelivery to an inactive webhook (`webhook_inactive`), or a create past the tenant's webhook limit (`limit_reached`, MAX_WEBHOOKS_PER_TENANT, default 100). */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Request body over 256 KiB. */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Body is not declared as JSON. */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Too many requests that make the service send (`/test`, `/redeliver`, `/recover`) for this tenant (`rate_limited`); `Retry-After` says how many seconds to wait. */
        TooManyRequests: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The service is up */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            400: components["responses"]["BadRequest"];
        };
    };
    listEventTypes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every event type */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventTypeList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
        };
    };
    listWebhooks: {
        parameters: {
            query?: {
                status?: "active" | "inactive";
                brandId?: string;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of webhooks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
        };
    };
    createWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookCreate"];
            };
        };
        responses: {
            /** @description The webhook, plus its signing secret when signing is on */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookCreated"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
        };
    };
    getWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Read a webhook */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
        };
    };
    deleteWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
        };
    };
    updateWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookPatch"];
            };
        };
        responses: {
            /** @description The edited webhook */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
        };
    };
    deactivateWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Stop deliveries, keep the setup */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
        };
    };
    activateWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Resume deliveries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
        };
    };
    getWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Reveal the current signing secret; 409 when the webhook does not sign */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SigningSecret"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RotateSecretRequest"];
            };
        };
        responses: {
            /** @description The new secret and when the replaced one stops */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RotatedSecret"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
        };
    };
    testWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["TestDeliveryRequest"];
            };
        };
        responses: {
            /** @description The outcome of the test send */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TestDeliveryResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getWebhookStats: {
        parameters: {
            query?: {
                since?: string;
                until?: string;
                granularity?: "hour" | "day";
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Buckets, oldest first, empty ones included */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookStats"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
        };
    };
    listFailureLogs: {
        parameters: {
            query?: {
                webhookId?: string;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of failure logs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FailureLogPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
        };
    };
    getFailureLog: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The failure log */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FailureLog"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
        };
    };
    redeliverFailureLog: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Enqueued for delivery */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    listDeliveries: {
        parameters: {
            query?: {
                webhookId?: string;
                /** @description Every delivery of this event, across its webhooks ("where did event X go?"). */
                eventId?: string;
                status?: "pending" | "succeeded" | "failed";
                eventType?: string;
                /** @description ISO 8601 date-time with an offset, e.g. 2026-11-29T10:00:00Z */
                since?: string;
                /** @description ISO 8601 date-time with an offset, e.g. 2026-11-29T10:00:00Z */
                until?: string;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of deliveries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
        };
    };
    getDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The delivery */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delivery"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
        };
    };
    redeliverDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Enqueued for delivery */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RedeliveryResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    recoverWebhookDeliveries: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RecoverRequest"];
            };
        };
        responses: {
            /** @description How many deliveries were enqueued */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecoverResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    listRejectedEvents: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of rejected events */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RejectedEventPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
        };
    };
    createPortalSession: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PortalSessionRequest"];
            };
        };
        responses: {
            /** @description The link and when it expires */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PortalLink"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
        };
    };
    revokePortalSessions: {
        parameters: {
            query: {
                tenantId: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every session of the tenant is ended */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
        };
    };
    exchangePortalSession: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PortalExchangeRequest"];
            };
        };
        responses: {
            /** @description The session */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PortalSession"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
        };
    };
    getOpenApiDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OpenAPI 3.1 document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenApiDocument"];
                };
            };
        };
    };
}
