/**
 * The local event bus's front door: EventBridge's PutEvents over its own wire protocol
 * (AWS JSON 1.1), so the real `@aws-sdk/client-eventbridge` works unchanged against the local port.
 * Accepted entries are persisted before the answer, as EventBridge does, so an acknowledged
 * event survives a crash.
 */
import { randomUUID } from 'node:crypto';

/** An event the bus accepted, as stored on the local bus queue. */
export interface BusEvent {
  id: string;
  source: string;
  detailType: string;
  /** The Detail string as the publisher sent it. */
  detail: string;
  time: string;
  resources: string[];
  eventBusName: string;
}

/** A protocol response for the local server to write. */
export interface ProtocolResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** EventBridge limits (PutEvents): at most 10 entries and 256 KB per request. */
export const MAX_ENTRIES = 10;
export const MAX_REQUEST_ENTRY_BYTES = 256 * 1024;

/** Handles one `AWSEvents.PutEvents` request body. */
export async function handlePutEvents(
  body: string,
  options: {
    eventBusName: string;
    persist: (events: BusEvent[]) => Promise<void>;
    now?: () => Date;
    /**
     * Sources this caller may not publish, each entry refused as EventBridge refuses `aws.*` sources
     * to a customer (`NotAuthorizedForSourceException`): outside callers may not publish the
     * service's own notices (`chat.webhooks`), which only the service itself sends.
     */
    refusedSources?: ReadonlySet<string>;
  },
): Promise<ProtocolResponse> {
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    return awsError(400, 'SerializationException', 'Request body is not valid JSON');
  }
  const entries = (request as { Entries?: unknown } | null)?.Entries;
  if (!Array.isArray(entries) || entries.length === 0) {
    return awsError(
      400,
      'ValidationException',
      "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (entries.length > MAX_ENTRIES) {
    return awsError(
      400,
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
    );
  }
  if (entries.reduce((total: number, entry) => total + entrySize(entry), 0) > MAX_REQUEST_ENTRY_BYTES) {
    return awsError(
      400,
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    );
  }
  const now = options.now?.() ?? new Date();
  const results: EntryResult[] = [];
  const accepted: { index: number; event: BusEvent }[] = [];
  entries.forEach((entry, index) => {
    const checked = checkEntry(entry, options.eventBusName, now, options.refusedSources);
    if ('event' in checked) {
      accepted.push({ index, event: checked.event });
      results[index] = { EventId: checked.event.id };
    } else {
      results[index] = checked.error;
    }
  });
  if (accepted.length > 0) {
    try {
      await options.persist(accepted.map(({ event }) => event));
    } catch {
      for (const { index } of accepted) {
        results[index] = {
          ErrorCode: 'InternalException',
          ErrorMessage: 'The event could not be stored; retry it.',
        };
      }
    }
  }
  const failed = results.filter((result) => 'ErrorCode' in result).length;
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify({ FailedEntryCount: failed, Entries: results }),
  };
}

function checkEntry(
  entry: unknown,
  busName: string,
  now: Date,
  refusedSources: ReadonlySet<string> | undefined,
): { event: BusEvent } | { error: EntryResult } {
  const fail = (code: string, message: string) => ({ error: { ErrorCode: code, ErrorMessage: message } });
  if (typeof entry !== 'object' || entry === null) return fail('InvalidArgument', 'Entry is not an object.');
  const fields = entry as Record<string, unknown>;
  for (const name of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof fields[name] !== 'string' || (fields[name] as string).length === 0) {
      return fail(
        'InvalidArgument',
        `Parameter ${name} is not valid. Reason: ${name} is a required argument.`,
      );
    }
  }
  if (refusedSources?.has(fields.Source as string)) {
    return fail('NotAuthorizedForSourceException', 'Not authorized for the source.');
  }
  const requestedBus =
    typeof fields.EventBusName === 'string' && fields.EventBusName !== '' ? fields.EventBusName : 'default';
  if (requestedBus !== busName && !requestedBus.endsWith(`:event-bus/${busName}`)) {
    return fail('ResourceNotFoundException', `Event bus ${requestedBus} does not exist.`);
  }
  const detail = fields.Detail as string;
  if (!isJsonObject(detail)) return fail('MalformedDetail', 'Detail is malformed.');
  const time = parseTime(fields.Time) ?? now;
  return {
    event: {
      id: randomUUID(),
      source: fields.Source as string,
      detailType: fields.DetailType as string,
      detail,
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      resources: Array.isArray(fields.Resources)
        ? fields.Resources.filter((item) => typeof item === 'string')
        : [],
      eventBusName: busName,
    },
  };
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** The SDK sends Time as epoch seconds; accept ISO strings too. */
function parseTime(value: unknown): Date | undefined {
  const date =
    typeof value === 'number'
      ? new Date(value * 1000)
      : typeof value === 'string'
        ? new Date(value)
        : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** EventBridge's entry size: Source, DetailType, Detail and Resources, in UTF-8 bytes (plus 14 for Time). */
function entrySize(entry: unknown): number {
  if (typeof entry !== 'object' || entry === null) return 0;
  const fields = entry as Record<string, unknown>;
  let size = fields.Time === undefined ? 0 : 14;
  for (const name of ['Source', 'DetailType', 'Detail']) {
    if (typeof fields[name] === 'string') size += Buffer.byteLength(fields[name] as string, 'utf8');
  }
  if (Array.isArray(fields.Resources)) {
    for (const resource of fields.Resources)
      if (typeof resource === 'string') size += Buffer.byteLength(resource, 'utf8');
  }
  return size;
}

/** An error in the AWS JSON 1.1 shape (`__type`), which the AWS SDK turns into the named exception. */
export function awsError(statusCode: number, type: string, message: string): ProtocolResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-errortype': type,
      'x-amzn-requestid': randomUUID(),
    },
    body: JSON.stringify({ __type: type, message }),
  };
}
