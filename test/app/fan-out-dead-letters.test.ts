import { describe, expect, it } from 'vitest';
import { FAN_OUT_FAILED_REASON, recordFanOutDeadLetters } from '#app/fan-out-dead-letters';
import { TENANT_ID_PATTERN, UNREADABLE_TENANT_KEY } from '#domain/event-catalogue';
import { createTestServices } from '../support/in-memory-ports';

/** A fan-out DLQ message as EventBridge writes it: the event as body, the failure as attributes. */
function deadLetter(messageId: string, event: unknown, errorCode = 'Lambda.ServiceException') {
  return {
    messageId,
    body: typeof event === 'string' ? event : JSON.stringify(event),
    messageAttributes: {
      ERROR_CODE: { stringValue: errorCode, dataType: 'String' },
      ERROR_MESSAGE: { stringValue: 'Rate exceeded', dataType: 'String' },
      RULE_ARN: {
        stringValue: 'arn:aws:events:eu-west-1:000000000000:rule/chat-events/x',
        dataType: 'String',
      },
    },
  };
}

const busEvent = {
  version: '0',
  id: 'b1e2',
  source: 'chat.platform',
  'detail-type': 'message.created',
  time: '2026-03-01T12:00:00Z',
  detail: { tenantId: 'tenant-a', brandId: 'b', data: { text: 'hi' } },
};

describe('recordFanOutDeadLetters', () => {
  it('records each dead-lettered chat event as rejected for its tenant, with the error and the replay key', async () => {
    const services = createTestServices();
    const result = await recordFanOutDeadLetters(services, [deadLetter('m-1', busEvent)]);
    expect(result.batchItemFailures).toEqual([]);
    const [recorded] = services.rejectedEvents.events;
    expect(recorded?.event).toMatchObject({
      tenantId: 'tenant-a',
      source: 'chat.platform',
      detailType: 'message.created',
      reason: FAN_OUT_FAILED_REASON,
      detailSnippet: JSON.stringify(busEvent.detail),
    });
    const messages = recorded?.event.issues.map((issue) => issue.message).join('\n');
    expect(messages).toContain('Lambda.ServiceException (Rate exceeded)');
    expect(messages).toContain('bus event b1e2 at 2026-03-01T12:00:00Z');
    expect(recorded!.expiresAt.getTime() - services.clock.now().getTime()).toBe(30 * 86_400_000);
  });

  it.each([
    ['a body that is not JSON', 'not json{'],
    ['a detail without a tenant', { ...busEvent, detail: { data: {} } }],
    ['a tenant id no tenant can have', { ...busEvent, detail: { tenantId: 'a/b' } }],
    ['a JSON array', [1, 2]],
  ])('keeps %s under the key no tenant can equal, never dropping it', async (_case, body) => {
    const services = createTestServices();
    const result = await recordFanOutDeadLetters(services, [deadLetter('m-1', body)]);
    expect(result.batchItemFailures).toEqual([]);
    const keys = services.rejectedEvents.events.map(({ event }) => event.tenantId);
    // docs/contract.md#admin-api: `_unknown` is a valid tenant id, so that tenant would list everyone's unreadable events.
    expect(keys).toEqual([UNREADABLE_TENANT_KEY]);
    expect(keys.some((key) => TENANT_ID_PATTERN.test(key))).toBe(false);
  });

  it('reports a message whose record could not be written, so the DLQ redelivers it', async () => {
    const services = createTestServices();
    services.rejectedEvents.put = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    const result = await recordFanOutDeadLetters(services, [deadLetter('m-1', busEvent)]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
  });
});
