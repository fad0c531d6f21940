/**
 * What every NoticePublisher must do (src/domain/ports.ts): run against the EventBridge adapter (the
 * real SDK client against a PutEvents stand-in on loopback) and against the recording publisher the
 * use-case tests use. The event's source, detail type and bus are the adapter's own test.
 */
import { describe, expect, it } from 'vitest';
import type { NoticePublisher } from '#domain/ports';

type Notice = Parameters<NoticePublisher['webhookDisabled']>[0];

/** A publisher and the notices that reached subscribers, in order. */
export interface NoticePublisherSubject {
  publisher: NoticePublisher;
  published(): Promise<Notice[]>;
}

/** Declares the NoticePublisher contract; `makeSubject` gives a publisher with nothing published yet. */
export function describeNoticePublisherContract(
  name: string,
  makeSubject: () => Promise<NoticePublisherSubject>,
): void {
  describe(`${name} keeps the NoticePublisher contract`, () => {
    it('publishes each webhook.disabled notice once, intact, in order, whatever the caller does afterwards', async () => {
      const { publisher, published } = await makeSubject();
      const first = {
        tenantId: 'tenant-a',
        webhookId: 'wh_1',
        reason: 'Deliveries failed without a single success since 2026-02-24T12:00:00.000Z',
        at: '2026-03-01T12:00:00.000Z',
      };
      const second = { ...first, tenantId: 'tenant-b', at: '2026-03-01T12:00:01.000Z' };
      await publisher.webhookDisabled(first);
      await publisher.webhookDisabled(second);
      const expected = [{ ...first }, { ...second }];
      first.reason = 'changed after publishing';
      expect(await published()).toMatchObject(expected);
    });
  });
}
