/**
 * The benchmark's publisher (the chat platform), in its own process so that its CPU (the EventBridge
 * client serialising, signing and posting PutEvents) is not charged to the service's CPU per
 * delivery. The parent sends `{ id, entries }`; the child answers `{ id }` or `{ id, error }`.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

/** A request from the parent. */
export interface PublishRequest {
  id: number;
  entries: PutEventsRequestEntry[];
}

/** The child's answer to one request. */
export interface PublishAnswer {
  id: number;
  error?: string;
}

const client = new EventBridgeClient({
  endpoint: process.env.BENCH_INGEST_URL,
  region: 'us-east-1',
  // The service's DATA_DIR key, handed over by the parent: the ingest answers only signed calls.
  credentials: JSON.parse(process.env.BENCH_INGEST_KEY ?? '{}') as {
    accessKeyId: string;
    secretAccessKey: string;
  },
});

process.on('message', (message: PublishRequest | 'close') => {
  if (message === 'close') {
    client.destroy();
    process.exit(0);
  }
  client.send(new PutEventsCommand({ Entries: message.entries })).then(
    (output) =>
      process.send?.({
        id: message.id,
        ...(output.FailedEntryCount ? { error: `PutEvents failed ${output.FailedEntryCount} entries` } : {}),
      } satisfies PublishAnswer),
    (error: unknown) => process.send?.({ id: message.id, error: String(error) } satisfies PublishAnswer),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0 } satisfies PublishAnswer);
