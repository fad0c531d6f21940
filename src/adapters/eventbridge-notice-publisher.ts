/**
 * The service's own notices, published on the event bus so operators can route them (alerts, mail).
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { NoticePublisher, WebhookHealthNotice } from '#domain/ports';

/** The source of every event this service publishes; the fan-out rule matches only `chat.platform`. */
export const NOTICE_SOURCE = 'chat.webhooks';

export interface EventBridgeNoticePublisherOptions {
  client: EventBridgeClient;
  eventBusName: string;
  /**
   * The console's public base URL (CONSOLE_URL, no trailing slash): each notice then carries
   * `consoleUrl`, the webhook's page as a link a person can open from an e-mail or a chat message.
   */
  consoleUrl?: string | undefined;
}

/** NoticePublisher over EventBridge PutEvents. */
export class EventBridgeNoticePublisher implements NoticePublisher {
  readonly #client: EventBridgeClient;
  readonly #eventBusName: string;
  readonly #consoleUrl: string | undefined;

  constructor(options: EventBridgeNoticePublisherOptions) {
    this.#client = options.client;
    this.#eventBusName = options.eventBusName;
    this.#consoleUrl = options.consoleUrl?.replace(/\/+$/, '');
  }

  async webhookHealthNotice(notice: WebhookHealthNotice): Promise<void> {
    const { type, ...detail } = notice;
    await this.#put(type, notice.at, this.#withLink(detail));
  }

  async webhookDisabled(notice: {
    tenantId: string;
    webhookId: string;
    reason: string;
    at: string;
  }): Promise<void> {
    await this.#put(
      'webhook.disabled',
      notice.at,
      this.#withLink({ ...notice, consolePath: `/webhooks/${encodeURIComponent(notice.webhookId)}` }),
    );
  }

  /** `detail` with `consoleUrl` (the absolute link to its `consolePath`) when the console's URL is known. */
  #withLink<T extends { consolePath: string }>(detail: T): T & { consoleUrl?: string } {
    return this.#consoleUrl === undefined
      ? detail
      : { ...detail, consoleUrl: `${this.#consoleUrl}${detail.consolePath}` };
  }

  async #put(detailType: string, at: string, detail: object): Promise<void> {
    const response = await this.#client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: NOTICE_SOURCE,
            DetailType: detailType,
            EventBusName: this.#eventBusName,
            Time: new Date(at),
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    // PutEvents answers 200 even when an entry failed; the failure is only in the body.
    if ((response.FailedEntryCount ?? 0) > 0) {
      const entry = response.Entries?.find((candidate) => candidate.ErrorCode);
      throw new Error(
        `EventBridge refused the ${detailType} notice: ${entry?.ErrorCode} ${entry?.ErrorMessage}`,
      );
    }
  }
}
