/** Queue attributes: SQS's defaults, limits and validation for the ones this local service honours. */
import { invalidParameterValue, SqsError } from './errors';

/** A redrive policy as SQS stores it (the attribute is its JSON text). */
export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

/** The attributes a queue keeps, as SQS reports them: strings. */
export type QueueAttributes = Record<string, string>;

const NUMERIC_LIMITS: Record<string, { min: number; max: number; default: number }> = {
  DelaySeconds: { min: 0, max: 900, default: 0 },
  MaximumMessageSize: { min: 1024, max: 1_048_576, default: 1_048_576 },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, default: 345_600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, default: 0 },
  VisibilityTimeout: { min: 0, max: 43_200, default: 30 },
};

/** Stored as given and reported back; they change nothing locally (no KMS, no policies here). */
const PASS_THROUGH = new Set([
  'Policy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'RedriveAllowPolicy',
]);

/** The writable attributes' defaults. */
export function defaultQueueAttributes(): QueueAttributes {
  const defaults: QueueAttributes = {};
  for (const [name, limits] of Object.entries(NUMERIC_LIMITS)) defaults[name] = String(limits.default);
  defaults.SqsManagedSseEnabled = 'true';
  return defaults;
}

/** Checks writable attributes and returns them normalised; SqsError naming the attribute otherwise. */
export function validateQueueAttributes(attributes: Record<string, unknown>): QueueAttributes {
  const valid: QueueAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value !== 'string') throw invalidParameterValue(`Attribute ${name} must be a string.`);
    const limits = NUMERIC_LIMITS[name];
    if (limits) {
      const number = Number(value);
      if (value.trim() === '' || !Number.isInteger(number) || number < limits.min || number > limits.max) {
        throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`, {
          queryCode: 'InvalidAttributeValue',
        });
      }
      valid[name] = String(number);
    } else if (name === 'RedrivePolicy') {
      valid[name] = value === '' ? '' : JSON.stringify(parseRedrivePolicy(value));
    } else if (PASS_THROUGH.has(name)) {
      valid[name] = value;
    } else if (name === 'FifoQueue' || name === 'ContentBasedDeduplication') {
      if (value !== 'true' && value !== 'false') {
        throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`, {
          queryCode: 'InvalidAttributeValue',
        });
      }
      valid[name] = value;
    } else {
      throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`, {
        queryCode: 'InvalidAttributeName',
      });
    }
  }
  return valid;
}

/** Parses the RedrivePolicy attribute's JSON. */
export function parseRedrivePolicy(text: string): RedrivePolicy {
  const refuse = (): SqsError =>
    new SqsError(
      'InvalidAttributeValue',
      'Invalid value for the parameter RedrivePolicy. Reason: it must be JSON with deadLetterTargetArn and maxReceiveCount (1 to 1000).',
      { queryCode: 'InvalidAttributeValue' },
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw refuse();
  }
  if (typeof parsed !== 'object' || parsed === null) throw refuse();
  const { deadLetterTargetArn, maxReceiveCount } = parsed as Record<string, unknown>;
  const count = Number(maxReceiveCount);
  if (
    typeof deadLetterTargetArn !== 'string' ||
    !/^arn:[^:]+:sqs:[^:]*:[^:]*:([\w-]{1,80}|[\w-]{1,75}\.fifo)$/.test(deadLetterTargetArn)
  ) {
    throw refuse();
  }
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw refuse();
  return { deadLetterTargetArn, maxReceiveCount: count };
}

/** The number an attribute holds (validated on write, so always a number). */
export function numericAttribute(attributes: QueueAttributes, name: keyof typeof NUMERIC_LIMITS): number {
  return Number(attributes[name] ?? NUMERIC_LIMITS[name]?.default ?? 0);
}

/** Whether the queue is a FIFO queue (order per message group, one group member in flight at a time). */
export function isFifo(attributes: QueueAttributes): boolean {
  return attributes.FifoQueue === 'true';
}
