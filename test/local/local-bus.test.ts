import { describe, expect, it } from 'vitest';
import { recordFanOutDeadLetters } from '#app/fan-out-dead-letters';
import { UNREADABLE_TENANT_KEY } from '#domain/event-catalogue';
import { asFanOutDeadLetters } from '#local/local-bus';
import { sqsEvent } from '../functions/lambda-events';
import { createTestServices } from '../support/in-memory-ports';

describe('the local fan-out DLQ', () => {
  it('hands the processor what AWS would: the EventBridge event and the failure attributes', async () => {
    const busEvent = {
      id: 'local-1',
      source: 'chat.platform',
      detailType: 'message.created',
      detail: JSON.stringify({ tenantId: 'tenant-a', data: {} }),
      time: '2026-03-01T12:00:00Z',
      resources: [],
    };
    const batch = asFanOutDeadLetters(
      sqsEvent([
        { messageId: 'm-1', body: JSON.stringify(busEvent) },
        { messageId: 'm-2', body: 'not a bus event' },
      ]),
    );
    expect(JSON.parse(batch.Records[0]!.body)).toMatchObject({
      id: 'local-1',
      'detail-type': 'message.created',
      detail: { tenantId: 'tenant-a' },
    });
    expect(batch.Records[0]!.messageAttributes.ERROR_CODE?.stringValue).toBe('LocalFanOutFailed');

    const services = createTestServices();
    const result = await recordFanOutDeadLetters(services, batch.Records);
    expect(result.batchItemFailures).toEqual([]);
    expect(services.rejectedEvents.events.map(({ event }) => [event.tenantId, event.reason])).toEqual([
      ['tenant-a', 'fan_out_failed'],
      [UNREADABLE_TENANT_KEY, 'fan_out_failed'],
    ]);
  });
});
