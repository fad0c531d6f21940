/**
 * The in-memory ports the use-case tests run on, held to the same contracts as the DynamoDB adapters
 * (test/adapters/dynamodb), so a fake cannot drift into a behaviour no real store has. A new fake of a
 * port must be added here: the last test fails while an `InMemory*` class has no contract run.
 */
import { describe, expect, it } from 'vitest';
import { describeDeliveryLogRepositoryContract } from '#test/contracts/delivery-log-repository.contract';
import { describeDeliveryQueueContract } from '#test/contracts/delivery-queue.contract';
import { describeEventIdRegistryContract } from '#test/contracts/event-id-registry.contract';
import { describeFailureLogRepositoryContract } from '#test/contracts/failure-log-repository.contract';
import { describeNoticePublisherContract } from '#test/contracts/notice-publisher.contract';
import { describeOrderedProgressStoreContract } from '#test/contracts/ordered-progress-store.contract';
import { describePortalSessionStoreContract } from '#test/contracts/portal-session-store.contract';
import { describeRejectedEventRepositoryContract } from '#test/contracts/rejected-event-repository.contract';
import { describeWebhookHealthRepositoryContract } from '#test/contracts/webhook-health-repository.contract';
import { describeWebhookRepositoryContract } from '#test/contracts/webhook-repository.contract';
import * as inMemoryPorts from '#test/support/in-memory-ports';
import {
  InMemoryDeliveryLogRepository,
  InMemoryDeliveryQueue,
  InMemoryEventIdRegistry,
  InMemoryFailureLogRepository,
  InMemoryOrderedProgressStore,
  InMemoryPortalSessionStore,
  InMemoryRejectedEventRepository,
  InMemoryWebhookHealthRepository,
  InMemoryWebhookRepository,
  RecordingNoticePublisher,
} from '#test/support/in-memory-ports';

/** Each fake and the contract it is run through (a fresh instance per case, as a use-case test gets). */
const contractRuns: Record<string, () => void> = {
  InMemoryPortalSessionStore: () =>
    describePortalSessionStoreContract('InMemoryPortalSessionStore', () => new InMemoryPortalSessionStore()),
  InMemoryWebhookRepository: () =>
    describeWebhookRepositoryContract('InMemoryWebhookRepository', () => new InMemoryWebhookRepository()),
  InMemoryFailureLogRepository: () =>
    describeFailureLogRepositoryContract(
      'InMemoryFailureLogRepository',
      (clock) => new InMemoryFailureLogRepository(clock),
    ),
  InMemoryRejectedEventRepository: () =>
    describeRejectedEventRepositoryContract(
      'InMemoryRejectedEventRepository',
      (clock) => new InMemoryRejectedEventRepository(clock),
    ),
  InMemoryDeliveryLogRepository: () =>
    describeDeliveryLogRepositoryContract(
      'InMemoryDeliveryLogRepository',
      (clock) => new InMemoryDeliveryLogRepository(clock),
    ),
  InMemoryDeliveryQueue: () =>
    describeDeliveryQueueContract('InMemoryDeliveryQueue', async () => {
      const queue = new InMemoryDeliveryQueue();
      // What a consumer would receive now: the enqueued tasks, and delayed ones whose delay is zero.
      return {
        queue,
        receiveReady: async () => {
          const due = queue.delayed.filter(({ delaySeconds }) => delaySeconds <= 0);
          for (const entry of due) queue.delayed.splice(queue.delayed.indexOf(entry), 1);
          return [...queue.enqueued.splice(0), ...due.map(({ task }) => task)];
        },
        receiveDeadLetters: async () => queue.deadLettered.splice(0),
      };
    }),
  RecordingNoticePublisher: () =>
    describeNoticePublisherContract('RecordingNoticePublisher', async () => {
      const publisher = new RecordingNoticePublisher();
      return { publisher, published: async () => publisher.disabled };
    }),
  InMemoryEventIdRegistry: () =>
    describeEventIdRegistryContract('InMemoryEventIdRegistry', (clock) => new InMemoryEventIdRegistry(clock)),
  InMemoryOrderedProgressStore: () =>
    describeOrderedProgressStoreContract(
      'InMemoryOrderedProgressStore',
      (clock) => new InMemoryOrderedProgressStore(clock),
    ),
  InMemoryWebhookHealthRepository: () =>
    describeWebhookHealthRepositoryContract(
      'InMemoryWebhookHealthRepository',
      () => new InMemoryWebhookHealthRepository(),
    ),
};

for (const run of Object.values(contractRuns)) run();

describe('the in-memory ports under contract', () => {
  it('runs every InMemory* fake (and the recording publisher) through its port’s contract', () => {
    const fakes = Object.keys(inMemoryPorts).filter(
      (name) => name.startsWith('InMemory') || name === 'RecordingNoticePublisher',
    );
    expect(fakes.sort()).toEqual(Object.keys(contractRuns).sort());
  });
});
