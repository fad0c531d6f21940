/**
 * The service's own notices, published on the event bus so operators can route them (alerts, mail).
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { NoticePublisher } from '#domain/ports';

/** The source of every event this service publishes; the fan-out rule matches only `chat.platform`. */
export const NOTICE_SOURCE = 'chat-webhooks';

export interface EventBridgeNoticePublisherOptions {
  client: EventBridgeClient;
  eventBusName: string;
}

/** NoticePublisher over EventBridge PutEvents. */
export class EventBridgeNoticePublisher implements NoticePublisher {
  readonly #client: EventBridgeClient;
  readonly #eventBusName: string;

  constructor(options: EventBridgeNoticePublisherOptions) {
    this.#client = options.client;
    this.#eventBusName = options.eventBusName;
  }

  async webhookDisabled(notice: {
    tenantId: string;
    webhookId: string;
    reason: string;
    at: string;
  }): Promise<void> {
    const response = await this.#client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: NOTICE_SOURCE,
            DetailType: 'webhook.disabled',
            EventBusName: this.#eventBusName,
            Time: new Date(notice.at),
            Detail: JSON.stringify(notice),
          },
        ],
      }),
    );
    // PutEvents answers 200 even when an entry failed; the failure is only in the body.
    if ((response.FailedEntryCount ?? 0) > 0) {
      const entry = response.Entries?.find((candidate) => candidate.ErrorCode);
      throw new Error(
        `EventBridge refused the webhook.disabled notice: ${entry?.ErrorCode} ${entry?.ErrorMessage}`,
      );
    }
  }
}
