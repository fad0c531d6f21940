// Runs one Lambda bundle from the cloud assembly in its own Node process, as a Lambda execution
// environment would: its own environment variables, module scope kept across invocations. Plain
// JavaScript on purpose: it runs under bare `node`, the runtime the bundle must work on.
// Invocations arrive over IPC ({ id, event }, or { id, raw } with the payload's JSON text, which is
// parsed here as the Lambda runtime parses an invoke payload) and are answered ({ id, result } or { id, error }).
// Every socket a bundle opens must go to loopback: any other is refused and reported ({ offLoopback }),
// so a bundle that would reach a real AWS endpoint fails its test instead of leaving the machine.
import dns from 'node:dns';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

const isLoopback = (host) =>
  host === undefined ||
  host === 'localhost' ||
  /^127\./.test(host) ||
  host === '::1' ||
  host === '::ffff:127.0.0.1';

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  if (options.path === undefined && !isLoopback(options.host)) {
    const target = `${options.host}:${options.port}`;
    process.send?.({ offLoopback: target });
    throw new Error(`bundle-runner: refused a connection to ${target} (tests reach loopback only)`);
  }
  return connect.apply(this, args);
};

// Name lookups too: a DNS query leaves the machine (the resolver is not on loopback) before any connect.
const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, ...rest) {
  if (!isLoopback(hostname)) {
    process.send?.({ offLoopback: hostname });
    const callback = rest.at(-1);
    const error = Object.assign(
      new Error(`bundle-runner: refused to look up ${hostname} (tests reach loopback only)`),
      {
        code: 'ENOTFOUND',
      },
    );
    if (typeof callback === 'function') process.nextTick(callback, error);
    return undefined;
  }
  return lookup.call(this, hostname, ...rest);
};

const context = (functionName) => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:eu-west-1:000000000000:function:${functionName}`,
  memoryLimitInMB: '256',
  awsRequestId: `request-${Date.now()}`,
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

const [bundlePath, handlerName, functionName] = process.argv.slice(2);
const module = await import(pathToFileURL(bundlePath).href);
const handler = module[handlerName];
if (typeof handler !== 'function') throw new Error(`${bundlePath} exports no function ${handlerName}`);

process.on('message', async ({ id, event, raw, memory, peak }) => {
  // The most memory the environment has held so far (resident set, what Lambda's "Max Memory Used"
  // reports and what its configured MemorySize caps), in bytes.
  if (peak) {
    process.send({ id, result: { maxRssBytes: process.resourceUsage().maxRSS * 1024 } });
    return;
  }
  // The environment's memory between invocations, after a full collection when the runner was given
  // --expose-gc (what a warm Lambda environment keeps, not what it happens to hold mid-invocation).
  if (memory) {
    globalThis.gc?.();
    process.send({ id, result: process.memoryUsage() });
    return;
  }
  try {
    const payload = raw === undefined ? event : JSON.parse(raw);
    const result = await handler(payload, context(functionName));
    process.send({ id, result: result ?? null });
  } catch (error) {
    process.send({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
});
process.send({ ready: true });
