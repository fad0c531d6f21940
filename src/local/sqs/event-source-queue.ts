/**
 * The local event sources' way into the local SQS service. Lambda's event source mapping is AWS's own
 * poller, not code of ours, so locally it calls the queue operations in-process: the same validation,
 * visibility and durable writes as a client's request, without building, signing and parsing an SDK
 * request for each receive and delete (bench/RESULTS.md). Every call is still reported, because AWS
 * bills the mapping's receives and deletes as SQS requests.
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { EventSourceQueue } from '../event-source';
import type { LocalSqs } from './sqs-protocol';

/** An EventSourceQueue on `sqs`; `onRequest` hears each operation's name. */
export function localEventSourceQueue(
  sqs: LocalSqs,
  onRequest?: (operation: string) => void,
): EventSourceQueue {
  const call = (operation: string, input: object, signal?: AbortSignal) => {
    onRequest?.(operation);
    return sqs.invoke(operation, input as Record<string, unknown>, signal);
  };
  return {
    async receiveMessage(input, signal) {
      const output = await call('ReceiveMessage', input, signal);
      return { Messages: ((output.Messages ?? []) as WireMessage[]).map(toSdkMessage) };
    },
    deleteMessageBatch: (input) => call('DeleteMessageBatch', input),
    changeMessageVisibilityBatch: (input) => call('ChangeMessageVisibilityBatch', input),
  };
}

/** A message as the protocol writes it: binary attribute values are base64 text on the wire. */
type WireMessage = Omit<Message, 'MessageAttributes'> & {
  MessageAttributes?: Record<string, Omit<MessageAttributeValue, 'BinaryValue'> & { BinaryValue?: string }>;
};

/** The SDK's shape: binary attribute values decoded to bytes, as the SDK's parser would. */
function toSdkMessage(message: WireMessage): Message {
  if (!message.MessageAttributes) return message as Message;
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes)) {
    const { BinaryValue, ...rest } = value;
    attributes[name] = {
      ...rest,
      ...(BinaryValue !== undefined
        ? { BinaryValue: new Uint8Array(Buffer.from(BinaryValue, 'base64')) }
        : {}),
    } as MessageAttributeValue;
  }
  return { ...message, MessageAttributes: attributes };
}
