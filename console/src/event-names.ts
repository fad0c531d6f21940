/**
 * Event types as the console shows them. Names and the list of types come from the API's catalogue
 * (`GET /v1/event-types`, fetched once per session), so an event type added to the catalogue needs
 * no console change.
 */
import { useEventTypes } from './api/queries';

/** The synthetic event `POST /v1/webhooks/{id}/test` sends; not in the catalogue (docs/contract.md#admin-api). */
const TEST_EVENT = { type: 'webhook.test', name: 'Test' };

/** The event catalogue as the API serves it; every screen shares the one cached copy. */
export function useEventCatalogue() {
  return useEventTypes();
}

/**
 * The seed's name of an event type (docs/contract.md#events), and every type a delivery can have (the
 * catalogue's and the test event). Until the catalogue has loaded a type shows as itself.
 */
export function useEventNames(): { eventName: (type: string) => string; deliveryTypes: string[] } {
  const catalogue = useEventCatalogue().data ?? [];
  const names = new Map([...catalogue, TEST_EVENT].map((event) => [event.type, event.name]));
  return {
    eventName: (type) => names.get(type) ?? type,
    deliveryTypes: [...catalogue.map((event) => event.type), TEST_EVENT.type],
  };
}

/**
 * docs/contract.md#events: what each event's `data` carries at least, in short. A type not written here
 * shows the fields of its sample payload (see `dataFieldsOf`).
 */
const DATA_FIELDS: Record<string, string[]> = {
  'conversation.property_updated': ['conversation', 'changes: [{ property, oldValue, newValue }]'],
  'conversation.assignee_updated': ['conversation', 'previousAssignee', 'assignee: { agentId?, groupId? }'],
};

/** The fields an event type's `data` carries at least: the summary above, else its sample's fields. */
export function dataFieldsOf(event: {
  type: string;
  samplePayload: { data: Record<string, unknown> };
}): string[] {
  return DATA_FIELDS[event.type] ?? Object.keys(event.samplePayload.data);
}
