/** SQS's rules for a message a client sends: body characters, size, delay, message attributes. */
import { invalidParameterValue, SqsError } from './errors';
import type { MessageAttributeValue } from './message-md5';
import type { QueueAttributes } from './queue-attributes';
import type { MessageInput } from './queue-store';

const MAX_MESSAGE_ATTRIBUTES = 10;
/** SQS's MessageGroupId: 1 to 128 alphanumeric or punctuation characters. */
const MESSAGE_GROUP_ID = /^[\x21-\x7E]{1,128}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]{1,256})?$/;
// XML 1.0 characters: what SQS accepts in a body or string attribute.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point
const INVALID_CHARACTER = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const invalidContents = (): SqsError =>
  new SqsError(
    'InvalidMessageContents',
    'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    {
      queryCode: 'InvalidMessageContents',
    },
  );

/** Checks a SendMessage input (or batch entry) and returns what the store needs; SqsError otherwise. */
export function validateMessage(
  input: Record<string, unknown>,
  queueAttributes: QueueAttributes,
): MessageInput {
  const body = input.MessageBody;
  if (body === undefined || body === null || body === '') {
    throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
  }
  if (typeof body !== 'string')
    throw invalidParameterValue('Value for parameter MessageBody must be a string.');
  if (INVALID_CHARACTER.test(body)) throw invalidContents();
  const messageAttributes = validateMessageAttributes(input.MessageAttributes);
  const maxSize = Number(queueAttributes.MaximumMessageSize);
  if (Buffer.byteLength(body, 'utf8') + attributesSize(messageAttributes) > maxSize) {
    throw invalidParameterValue(
      `One or more parameters are invalid. Reason: Message must be shorter than ${maxSize} bytes.`,
    );
  }
  const message: MessageInput = { body };
  if (input.DelaySeconds !== undefined && input.DelaySeconds !== null) {
    const delay = Number(input.DelaySeconds);
    if (!Number.isInteger(delay) || delay < 0 || delay > 900) {
      throw invalidParameterValue(
        `Value ${String(input.DelaySeconds)} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`,
      );
    }
    message.delaySeconds = delay;
  }
  if (messageAttributes) message.messageAttributes = messageAttributes;
  if (input.MessageGroupId !== undefined && input.MessageGroupId !== null) {
    // On a standard queue a group id makes it a fair queue: the group (tenant) is served in turn.
    if (typeof input.MessageGroupId !== 'string' || !MESSAGE_GROUP_ID.test(input.MessageGroupId)) {
      throw invalidParameterValue(
        `Value ${String(input.MessageGroupId)} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
      );
    }
    message.messageGroupId = input.MessageGroupId;
  }
  if (queueAttributes.FifoQueue === 'true') {
    if (message.messageGroupId === undefined) {
      throw new SqsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
    }
    if (message.delaySeconds !== undefined) {
      // FIFO queues have a queue-level delay only: a retry holds its message by visibility instead.
      throw invalidParameterValue(
        'Value for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
      );
    }
    const deduplicationId = input.MessageDeduplicationId;
    if (deduplicationId !== undefined && deduplicationId !== null) {
      if (typeof deduplicationId !== 'string' || !MESSAGE_GROUP_ID.test(deduplicationId)) {
        throw invalidParameterValue(
          `Value ${String(deduplicationId)} for parameter MessageDeduplicationId is invalid. Reason: 1 to 128 alphanumeric or punctuation characters.`,
        );
      }
      message.messageDeduplicationId = deduplicationId;
    } else if (queueAttributes.ContentBasedDeduplication !== 'true') {
      throw invalidParameterValue(
        'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      );
    }
  }
  return message;
}

function validateMessageAttributes(value: unknown): Record<string, MessageAttributeValue> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidParameterValue('MessageAttributes must be a map.');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return undefined;
  if (entries.length > MAX_MESSAGE_ATTRIBUTES) {
    throw invalidParameterValue(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`,
    );
  }
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, raw] of entries) {
    const lower = name.toLowerCase();
    if (
      !ATTRIBUTE_NAME.test(name) ||
      lower.startsWith('aws.') ||
      lower.startsWith('amazon.') ||
      name.startsWith('.') ||
      name.endsWith('.') ||
      name.includes('..')
    ) {
      throw invalidParameterValue(`Message attribute name '${name}' is invalid.`);
    }
    if (typeof raw !== 'object' || raw === null)
      throw invalidParameterValue(`Message attribute '${name}' must be a map.`);
    const { DataType, StringValue, BinaryValue, StringListValues, BinaryListValues } = raw as Record<
      string,
      unknown
    >;
    if (typeof DataType !== 'string' || !DATA_TYPE.test(DataType)) {
      throw invalidParameterValue(`The message attribute '${name}' has an invalid message attribute type.`);
    }
    if (StringListValues !== undefined || BinaryListValues !== undefined) {
      throw invalidParameterValue(`Message attribute '${name}': list values are reserved and not supported.`);
    }
    if (DataType.startsWith('Binary')) {
      if (typeof BinaryValue !== 'string' || BinaryValue === '' || StringValue !== undefined) {
        throw invalidParameterValue(
          `The message attribute '${name}' with type 'Binary' must use field 'Binary'.`,
        );
      }
      attributes[name] = { DataType, BinaryValue };
    } else {
      if (typeof StringValue !== 'string' || StringValue === '' || BinaryValue !== undefined) {
        throw invalidParameterValue(
          `The message attribute '${name}' must contain a non-empty message attribute value.`,
        );
      }
      if (INVALID_CHARACTER.test(StringValue)) throw invalidContents();
      if (
        DataType.startsWith('Number') &&
        (StringValue.trim() === '' || !Number.isFinite(Number(StringValue)))
      ) {
        throw invalidParameterValue(`Can't cast the value of message attribute '${name}' to a number.`);
      }
      attributes[name] = { DataType, StringValue };
    }
  }
  return attributes;
}

function attributesSize(attributes: Record<string, MessageAttributeValue> | undefined): number {
  if (!attributes) return 0;
  let size = 0;
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType);
    size +=
      attribute.BinaryValue !== undefined
        ? Buffer.from(attribute.BinaryValue, 'base64').length
        : Buffer.byteLength(attribute.StringValue ?? '');
  }
  return size;
}
