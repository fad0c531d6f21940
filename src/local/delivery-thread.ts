/**
 * One delivery "execution environment" of the local runtime, in a worker thread: it builds the
 * delivery function's services exactly as the Lambda does (functions/commons/delivery-services.ts)
 * and runs the same handler on each batch the runtime's event source hands it. Signing and sending
 * then use a core of their own instead of the event loop that runs the ingest, the fan-out and the
 * local queues.
 *
 * Its SQS and EventBridge clients serialise, sign and parse every call as against AWS; the bytes
 * travel over the thread's message port to the runtime's endpoints instead of a socket. DynamoDB is
 * reached over loopback HTTP, as any client would.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { SQSEvent } from 'aws-lambda';
import { createAwsRequestCounter, requestsBetween } from '#adapters/aws-clients';
import { KeyFileSource } from '#adapters/encryption-key';
import type { HostResolver } from '#domain/ports';
import { buildDeliveryServices } from '#functions/commons/delivery-services';
import { createDeliveryHandler } from '#functions/delivery';
import type {
  DeliveryThreadSettings,
  FromDeliveryThread,
  ToDeliveryThread,
} from './delivery-thread-protocol';
import type { ProtocolResponse } from './eventbridge-ingest';
import { InProcessRequestHandler } from './in-process-transport';
import { lambdaContext } from './server';

const port = parentPort;
if (!port) throw new Error('delivery-thread.ts runs only as a worker thread');
const settings = workerData as DeliveryThreadSettings;
const post = (message: FromDeliveryThread): void => port.postMessage(message);

/** Calls this thread is waiting on the runtime for: name lookups and AWS calls. */
let nextCall = 0;
const calls = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();
function callRuntime<T>(message: (id: number) => FromDeliveryThread): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const id = nextCall++;
    calls.set(id, { resolve: resolve as (value: never) => void, reject });
    post(message(id));
  });
}

// Names are resolved by the runtime's resolver (tests and the benchmark pin names to loopback there),
// so a thread vets destinations exactly as the main thread would.
const resolver: HostResolver = {
  resolve: (hostname) => callRuntime<string[]>((id) => ({ type: 'resolve', id, hostname })),
};
const transport = new InProcessRequestHandler((target, body) =>
  callRuntime<ProtocolResponse>((id) => ({ type: 'aws', id, target, body })),
);

const counter = createAwsRequestCounter();
let reported: Record<string, number> = {};
/** Requests sent since the last report: totals stay exact even when invocations overlap. */
function requestsSinceLastReport(): Record<string, number> {
  const now = counter.snapshot();
  const added = requestsBetween(reported, now);
  reported = now;
  return added;
}

const delivery = createDeliveryHandler(
  buildDeliveryServices(settings.config, {
    endpoints: { dynamodb: settings.dynamodbEndpoint, sqs: settings.baseUrl, eventbridge: settings.baseUrl },
    transports: { sqs: transport, eventbridge: transport },
    aws: settings.aws,
    keySource: new KeyFileSource(settings.keyFile),
    resolver,
    counter,
    ...(settings.tlsCa ? { tlsCa: settings.tlsCa } : {}),
  }),
);

async function invoke(id: number, event: SQSEvent): Promise<void> {
  try {
    const response = await delivery(event, lambdaContext('chat-webhooks-delivery'));
    post({
      type: 'result',
      id,
      ...(response ? { response } : {}),
      requests: requestsSinceLastReport(),
      heapUsedBytes: getHeapStatistics().used_heap_size,
    });
  } catch (error) {
    post({
      type: 'result',
      id,
      error: String(error),
      requests: requestsSinceLastReport(),
      heapUsedBytes: getHeapStatistics().used_heap_size,
    });
  }
}

port.on('message', (message: ToDeliveryThread) => {
  if (message.type === 'invoke') {
    void invoke(message.id, message.event);
    return;
  }
  const call = calls.get(message.id);
  calls.delete(message.id);
  if (!call) return;
  if (message.type === 'aws-answer') {
    call.resolve(message.answer as never);
  } else if (message.addresses) {
    call.resolve(message.addresses as never);
  } else {
    const failure = message.error ?? { message: 'lookup failed' };
    call.reject(Object.assign(new Error(failure.message), failure.code ? { code: failure.code } : {}));
  }
});
post({ type: 'ready' });
