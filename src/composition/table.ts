/** The repositories of the service table: one DynamoDB document client shared by all three. */
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

/** Webhooks, failure logs, rejected events, event id claims, the delivery log and webhook health in TABLE_NAME. */
export function buildTableRepositories(
  config: Config,
  options: CompositionOptions = {},
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
  const documentClient = createDocumentClient(awsClientOptions(options, options.endpoints?.dynamodb));
  return {
    // Reads are never cached (docs/contract.md#read-your-writes), only shared between callers that asked before they started.
    webhooks: coalesceWebhookReads(new DynamoWebhookRepository(documentClient, config.TABLE_NAME)),
    failureLogs: new DynamoFailureLogRepository(documentClient, config.TABLE_NAME),
    rejectedEvents: new DynamoRejectedEventRepository(documentClient, config.TABLE_NAME),
    eventIds: new DynamoEventIdRegistry(documentClient, config.TABLE_NAME),
    deliveryLog: new DynamoDeliveryLogRepository(documentClient, config.TABLE_NAME),
    webhookHealth: new DynamoWebhookHealthRepository(documentClient, config.TABLE_NAME),
    orderedProgress: new DynamoOrderedProgressStore(documentClient, config.TABLE_NAME),
  };
}

/** Portal links and sessions in TABLE_NAME (the admin API and the portal-session authorizer). */
export function buildPortalSessionStore(
  config: Config,
  options: CompositionOptions = {},
): PortalSessionStore {
  const documentClient = createDocumentClient(awsClientOptions(options, options.endpoints?.dynamodb));
  return new DynamoPortalSessionStore(documentClient, config.TABLE_NAME);
}
