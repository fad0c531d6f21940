/**
 * The seed's names for the catalogue's event types (SPEC section 4), for places that show a type
 * without the catalogue at hand; the form and the Event types screen use the API's catalogue.
 */
const NAMES: Record<string, string> = {
  'conversation.created': 'Conversation Created',
  'conversation.deleted': 'Conversation Deleted',
  'conversation.property_updated': 'Conversation Property Updated',
  'conversation.status_updated': 'Conversation Status Change',
  'conversation.assignee_updated': 'Conversation Assignee Updated',
  'message.created': 'Message Created',
  'message.edited': 'Message Edited',
  'message.retracted': 'Message Retract',
  'webhook.test': 'Test',
};

/** SPEC section 4: what each event's `data` carries at least (its schema, in short). */
export const DATA_FIELDS: Record<string, string[]> = {
  'conversation.created': ['conversation'],
  'conversation.deleted': ['conversationId'],
  'conversation.property_updated': ['conversation', 'changes: [{ property, oldValue, newValue }]'],
  'conversation.status_updated': ['conversation', 'previousStatus', 'status'],
  'conversation.assignee_updated': ['conversation', 'previousAssignee', 'assignee: { agentId?, groupId? }'],
  'message.created': ['conversationId', 'message'],
  'message.edited': ['conversationId', 'message', 'previousText'],
  'message.retracted': ['conversationId', 'messageId', 'retractedBy'],
};

export function eventName(type: string): string {
  return NAMES[type] ?? type;
}
