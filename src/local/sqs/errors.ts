/**
 * SQS errors as the JSON protocol reports them. The SDK (awsQueryCompatible) picks the error class
 * from the `x-amzn-query-error` header's code, so `queryCode` must be the legacy query code.
 */
export class SqsError extends Error {
  /** The JSON protocol's shape name, e.g. QueueDoesNotExist. */
  readonly type: string;
  /** The legacy query code, e.g. AWS.SimpleQueueService.NonExistentQueue. */
  readonly queryCode: string;
  readonly statusCode: number;
  readonly isSenderFault: boolean;

  constructor(type: string, message: string, options: { queryCode?: string; statusCode?: number } = {}) {
    super(message);
    this.name = 'SqsError';
    this.type = type;
    this.queryCode = options.queryCode ?? type;
    this.statusCode = options.statusCode ?? 400;
    this.isSenderFault = this.statusCode < 500;
  }
}

/** The queue named in the request does not exist. */
export const queueDoesNotExist = (): SqsError =>
  new SqsError('QueueDoesNotExist', 'The specified queue does not exist.', {
    queryCode: 'AWS.SimpleQueueService.NonExistentQueue',
  });

/** A parameter has a value SQS refuses. */
export const invalidParameterValue = (message: string): SqsError =>
  new SqsError('InvalidParameterValue', message);

/** A required parameter is absent. */
export const missingParameter = (name: string): SqsError =>
  new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);

/** A receipt handle that this service did not issue, or for another queue. */
export const receiptHandleIsInvalid = (handle: string): SqsError =>
  new SqsError(
    'ReceiptHandleIsInvalid',
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
    {
      queryCode: 'ReceiptHandleIsInvalid',
      statusCode: 404,
    },
  );

/** A batch request's failures that SQS reports for the whole request. */
export const batchErrors = {
  empty: (): SqsError =>
    new SqsError('EmptyBatchRequest', 'There should be at least one entry in the request.', {
      queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest',
    }),
  tooMany: (count: number): SqsError =>
    new SqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${count}.`,
      { queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest' },
    ),
  idsNotDistinct: (id: string): SqsError =>
    new SqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`, {
      queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    }),
  invalidId: (id: string): SqsError =>
    new SqsError(
      'InvalidBatchEntryId',
      `A batch entry id can only contain alphanumeric characters, hyphens and underscores, up to 80 characters: "${id}".`,
      { queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId' },
    ),
  tooLong: (size: number, limit: number): SqsError =>
    new SqsError(
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${limit} bytes. You have sent ${size} bytes.`,
      {
        queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong',
      },
    ),
};
