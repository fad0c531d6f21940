/**
 * An AWS SDK request handler that hands each serialised request to an endpoint in this process
 * instead of writing it to a socket. The local runtime's own clients (the event sources' pollers,
 * the delivery queue, the notice publisher) use it to reach the local SQS and EventBridge: the SDK
 * still builds, signs, retries and parses every call exactly as it does against AWS, and the same
 * protocol code answers it, but no loopback connection, HTTP parser or socket write sits between
 * them. Outside clients (tests, the AWS CLI) keep reaching the same endpoints over HTTP.
 */
import type { ProtocolResponse } from './eventbridge-ingest';

/** The part of an SDK HttpRequest an in-process endpoint reads. */
interface SdkRequest {
  headers: Record<string, string>;
  body?: unknown;
}

/** Answers one JSON-protocol call: `target` is the X-Amz-Target header, `body` the request's text. */
export type InProcessEndpoint = (
  target: string,
  body: string,
  signal?: AbortSignal,
) => Promise<ProtocolResponse>;

/**
 * Request bodies this long (characters) or longer wait for a turn of the event loop before they are
 * handled: 64 Ki, far above a batch of small delivery messages, far below one message of a large event.
 */
export const LARGE_CALL_CHARACTERS = 64 * 1024;

/** The SDK's HttpHandler contract (handle, plus the config hooks it calls), for in-process endpoints. */
export class InProcessRequestHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };

  /** Resolves when the latest large call has had its turn. */
  #turn: Promise<void> = Promise.resolve();

  constructor(private readonly endpoint: InProcessEndpoint) {}

  async handle(
    request: SdkRequest,
    options: { abortSignal?: AbortSignalLike } = {},
  ): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }> {
    const target = headerValue(request.headers, 'x-amz-target') ?? '';
    const callerSignal = options.abortSignal;
    const text = bodyText(request.body);
    // A large call (fan-out of one large event: many messages of ~256 KB, each validated, hashed and
    // stored) starts only after a turn of the event loop, at most one per turn, as answers from a
    // socket would arrive: a burst of them otherwise ran as one chain of microtasks, and every socket
    // of the process (another tenant's PutEvents, the health probe) waited for all of it
    // (docs/contract.md#isolation). Small calls go at once: giving each a turn too split the pollers'
    // receives from fan-out's sends and shrank the delivery batches (bench/RESULTS.md). An immediate
    // queued from an immediate runs in the next turn, after the loop has polled for I/O.
    if (text.length >= LARGE_CALL_CHARACTERS) {
      const turn = this.#turn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
      this.#turn = turn;
      await turn;
    }
    const answer = await this.endpoint(target, text, toAbortSignal(callerSignal));
    if (callerSignal?.aborted) throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    return {
      response: { statusCode: answer.statusCode, headers: answer.headers, body: Buffer.from(answer.body) },
    };
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

/** The SDK hands over native AbortSignals or its own look-alikes. */
interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener?: (type: 'abort', listener: () => void, options?: { once?: boolean }) => void;
}

/** A native signal for the endpoint; calls without one (all but long polls) pass none on. */
function toAbortSignal(signal: AbortSignalLike | undefined): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (signal instanceof AbortSignal) return signal;
  const abort = new AbortController();
  if (signal.aborted) abort.abort();
  else signal.addEventListener?.('abort', () => abort.abort(), { once: true });
  return abort.signal;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  throw new TypeError('The in-process transport takes string or byte bodies only');
}
