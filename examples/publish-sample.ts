/**
 * `npm run publish-sample -- <event type>`: publishes the catalogue's sample of that event type to
 * the local service the way the chat platform does, with the real AWS SDK's `PutEvents`.
 *
 * Environment: `SERVICE_URL` (default http://127.0.0.1:3000), `TENANT_ID` (default `default`, the
 * dev token's tenant), `EVENT_BUS_NAME` (default `chat-events`), `DATA_DIR` (default `.data`: the
 * service's access key pair there signs the call, as the ingest requires).
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_CATALOGUE } from '#domain/event-catalogue';
import { ingestKey, serviceUrl } from './service-client';

const type = process.argv[2] ?? 'conversation.created';
const entry = EVENT_CATALOGUE.find((candidate) => candidate.type === type);
if (!entry) {
  console.error(
    `publish-sample: "${type}" is not a catalogue event type; one of:\n  ${EVENT_CATALOGUE.map((item) => item.type).join('\n  ')}`,
  );
  process.exit(1);
}

// The lock file pins SDK versions that run on Node 20; its notice about later releases needs no action.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
let credentials: Awaited<ReturnType<typeof ingestKey>>;
try {
  credentials = await ingestKey();
} catch (error) {
  console.error(`publish-sample: ${(error as Error).message}`);
  process.exit(1);
}
const bus = new EventBridgeClient({
  endpoint: serviceUrl(),
  region: 'us-east-1',
  // The local ingest answers only calls signed with its DATA_DIR's key; on AWS the platform's own role signs.
  credentials,
});
// A fresh id per run: the same id with the same data within 24 h is a duplicate and goes nowhere.
const eventId = `evt_sample_${randomUUID()}`;
try {
  const result = await bus.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'chat.platform',
          DetailType: entry.type,
          EventBusName: process.env.EVENT_BUS_NAME ?? 'chat-events',
          Detail: JSON.stringify({
            id: eventId,
            tenantId: process.env.TENANT_ID ?? 'default',
            brandId: entry.samplePayload.brandId,
            occurredAt: new Date().toISOString(),
            data: entry.samplePayload.data,
          }),
        },
      ],
    }),
  );
  // PutEvents answers 200 even when it refuses an entry, as on AWS: the entry says why.
  if (result.FailedEntryCount) {
    console.error(`publish-sample: refused: ${JSON.stringify(result.Entries?.[0])}`);
    process.exit(1);
  }
  console.log(`published ${entry.type} ${eventId} for tenant ${process.env.TENANT_ID ?? 'default'}`);
} catch (error) {
  console.error(`publish-sample: ${(error as Error).message} (is npm start running at ${serviceUrl()}?)`);
  process.exit(1);
}
