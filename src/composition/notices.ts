/** The service's own notices, published on the event bus. */
import { createEventBridgeClient } from '#adapters/aws-clients';
import { EventBridgeNoticePublisher } from '#adapters/eventbridge-notice-publisher';
import type { Config } from '#config';
import type { NoticePublisher } from '#domain/ports';
import { awsClientOptions, type CompositionOptions } from './options';

/** Publishes notices (failing, recovered, disabled) on EVENT_BUS_NAME, linking to the console at CONSOLE_URL. */
export function buildNoticePublisher(config: Config, options: CompositionOptions = {}): NoticePublisher {
  return new EventBridgeNoticePublisher({
    client: createEventBridgeClient(
      awsClientOptions(options, options.endpoints?.eventbridge, options.transports?.eventbridge),
    ),
    eventBusName: config.EVENT_BUS_NAME,
    consoleUrl: config.CONSOLE_URL,
  });
}
