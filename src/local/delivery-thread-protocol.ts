/** The messages between the local runtime and its delivery threads (see delivery-threads.ts). */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Config } from '#config';
import type { ProtocolResponse } from './eventbridge-ingest';

/** What a delivery thread is started with: everything it needs to build the delivery function's services. */
export interface DeliveryThreadSettings {
  config: Config;
  /** The embedded DynamoDB-compatible store, reached over loopback HTTP as any client would. */
  dynamodbEndpoint: string;
  /** The runtime's base URL: the SDK's endpoint for SQS and EventBridge (the calls travel over the port). */
  baseUrl: string;
  aws: { credentials: { accessKeyId: string; secretAccessKey: string }; region: string };
  keyFile: string;
  tlsCa?: string | Buffer;
}

/** Runtime → thread. */
export type ToDeliveryThread =
  | { type: 'invoke'; id: number; event: SQSEvent }
  | { type: 'resolved'; id: number; addresses?: string[]; error?: { message: string; code?: string } }
  | { type: 'aws-answer'; id: number; answer: ProtocolResponse };

/** Thread → runtime. */
export type FromDeliveryThread =
  | { type: 'ready' }
  | {
      type: 'result';
      id: number;
      response?: SQSBatchResponse;
      error?: string;
      /** AWS requests the thread sent since its last result, keyed `Service.Operation`. */
      requests: Record<string, number>;
      /** The thread's V8 heap in use when it answered, in bytes (the runtime's memory figures). */
      heapUsedBytes?: number;
    }
  | { type: 'resolve'; id: number; hostname: string }
  /** A rejection nothing awaited (caught by the thread's bootstrap, see delivery-threads.ts): the thread goes on. */
  | { type: 'stray-failure'; error: string }
  /** An SQS or EventBridge call (retries, dead letters, notices), serialised by the thread's SDK client. */
  | { type: 'aws'; id: number; target: string; body: string };
