/**
 * The repositories of the service table, one builder each, over one DynamoDB document client per
 * function: a function builds only the repositories its use case declares, so its bundle holds only
 * those adapters.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#adapters/aws-clients';
import { DynamoDeliveryLogRepository } from '#adapters/dynamodb/delivery-log-repository';
import { DynamoEventIdRegistry } from '#adapters/dynamodb/event-id-registry';
import { DynamoFailureLogRepository } from '#adapters/dynamodb/failure-log-repository';
import { DynamoOrderedProgressStore } from '#adapters/dynamodb/ordered-progress-store';
import { DynamoPortalSessionStore } from '#adapters/dynamodb/portal-session-store';
import { DynamoRejectedEventRepository } from '#adapters/dynamodb/rejected-event-repository';
import { DynamoWebhookHealthRepository } from '#adapters/dynamodb/webhook-health-repository';
import { DynamoWebhookRepository } from '#adapters/dynamodb/webhook-repository';
import { coalesceWebhookReads } from '#app/lookup-cache';
import type { Services } from '#app/services';
import type { Config } from '#config';
import type { PortalSessionStore } from '#domain/ports';
import { awsClientOptions, type CompositionOptions } from './options';

/** TABLE_NAME and the one document client a function's repositories share. */
export interface ServiceTable {
  client: DynamoDBDocumentClient;
  name: string;
}

/** The table a function's repositories are built on. */
export function buildServiceTable(config: Config, options: CompositionOptions = {}): ServiceTable {
  return {
    client: createDocumentClient(awsClientOptions(options, options.endpoints?.dynamodb)),
    name: config.TABLE_NAME,
  };
}

/** Webhooks and their subscriptions. */
export function buildWebhookRepository(table: ServiceTable): Services['webhooks'] {
  // Reads are never cached (docs/contract.md#read-your-writes), only shared between callers that asked before they started.
  return coalesceWebhookReads(new DynamoWebhookRepository(table.client, table.name));
}

/** Failure logs of dead-lettered deliveries. */
export function buildFailureLogRepository(table: ServiceTable): Services['failureLogs'] {
  return new DynamoFailureLogRepository(table.client, table.name);
}

/** Chat events the service refused or could not fan out. */
export function buildRejectedEventRepository(table: ServiceTable): Services['rejectedEvents'] {
  return new DynamoRejectedEventRepository(table.client, table.name);
}

/** Event ids claimed per tenant. */
export function buildEventIdRegistry(table: ServiceTable): Services['eventIds'] {
  return new DynamoEventIdRegistry(table.client, table.name);
}

/** The delivery log: records, attempts and kept payloads. */
export function buildDeliveryLogRepository(table: ServiceTable): Services['deliveryLog'] {
  return new DynamoDeliveryLogRepository(table.client, table.name);
}

/** Each webhook's health item: counters and its failing period. */
export function buildWebhookHealthRepository(table: ServiceTable): Services['webhookHealth'] {
  return new DynamoWebhookHealthRepository(table.client, table.name);
}

/** What ordered deliveries held in their queue have done so far (docs/ordering.md). */
export function buildOrderedProgressStore(table: ServiceTable): Services['orderedProgress'] {
  return new DynamoOrderedProgressStore(table.client, table.name);
}

/** Portal links and sessions (the admin API and the portal-session authorizer). */
export function buildPortalSessionStore(table: ServiceTable): PortalSessionStore {
  return new DynamoPortalSessionStore(table.client, table.name);
}

/** Every repository of the table (the local runtime, which runs every function). */
export function buildTableRepositories(
  table: ServiceTable,
): Pick<
  Services,
  | 'webhooks'
  | 'failureLogs'
  | 'rejectedEvents'
  | 'eventIds'
  | 'deliveryLog'
  | 'webhookHealth'
  | 'orderedProgress'
> {
  return {
    webhooks: buildWebhookRepository(table),
    failureLogs: buildFailureLogRepository(table),
    rejectedEvents: buildRejectedEventRepository(table),
    eventIds: buildEventIdRegistry(table),
    deliveryLog: buildDeliveryLogRepository(table),
    webhookHealth: buildWebhookHealthRepository(table),
    orderedProgress: buildOrderedProgressStore(table),
  };
}
