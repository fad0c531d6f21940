/**
 * The local queue engine's memory against its backlog: sends N messages of a given body size to one
 * queue, then reopens the store, and prints the V8 heap in use (after a full GC) at each step, the
 * RSS, and the bodies' total, as JSON. Run with GC exposed, e.g.
 * `node --expose-gc --import tsx bench/queue-store-memory.ts [--messages=20000] [--body-bytes=10240] [--module=<path>]`
 * (`--module` picks another copy of queue-store.ts, for a before/after). Figures: bench/RESULTS.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const argument = (name: string, fallback: string): string =>
  process.argv.find((given) => given.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const messages = Number(argument('messages', '20000'));
const bodyBytes = Number(argument('body-bytes', '10240'));
const modulePath = argument('module', 'src/local/sqs/queue-store.ts');

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('Run with node --expose-gc');
const heapMiB = (): number => {
  gc();
  gc();
  return Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10;
};
const rssMiB = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);

const { QueueStore } = (await import(
  pathToFileURL(resolve(modulePath)).href
)) as typeof import('#local/sqs/queue-store');
const path = await mkdtemp(join(tmpdir(), 'queue-store-memory-'));
const open = () => QueueStore.open({ path, accountId: '000000000000' });
try {
  let store = await open();
  await store.createQueue('backlog');
  const heapBefore = heapMiB();
  const sendStarted = performance.now();
  for (let sent = 0; sent < messages; sent += 10) {
    const batch = Array.from({ length: Math.min(10, messages - sent) }, (_, index) => ({
      // Each body its own string (base64 of random bytes), as bodies parsed off the wire are.
      body: randomBytes(Math.ceil((bodyBytes * 3) / 4))
        .toString('base64')
        .slice(0, bodyBytes),
      messageGroupId: `tenant-${(sent + index) % 7}`,
    }));
    await store.sendMessages('backlog', batch);
  }
  const sendSeconds = (performance.now() - sendStarted) / 1000;
  const heapAfterSend = heapMiB();
  const rssAfterSend = rssMiB();
  await store.close();
  store = undefined as never;
  const heapClosed = heapMiB();
  const openStarted = performance.now();
  store = await open();
  const openSeconds = (performance.now() - openStarted) / 1000;
  const heapAfterReopen = heapMiB();
  const rssAfterReopen = rssMiB();
  const received = await store.receiveMessages('backlog', { maxMessages: 10 });
  const counts = store.countMessages('backlog');
  await store.close();
  console.log(
    JSON.stringify({
      module: modulePath,
      messages,
      bodyBytes,
      bodiesMiB: Math.round((messages * bodyBytes) / 2 ** 20),
      heapBeforeMiB: heapBefore,
      heapAfterSendMiB: heapAfterSend,
      heapGrowthSendMiB: Math.round((heapAfterSend - heapBefore) * 10) / 10,
      rssAfterSendMiB: rssAfterSend,
      heapClosedMiB: heapClosed,
      heapAfterReopenMiB: heapAfterReopen,
      heapGrowthReopenMiB: Math.round((heapAfterReopen - heapClosed) * 10) / 10,
      rssAfterReopenMiB: rssAfterReopen,
      sendSeconds: Math.round(sendSeconds * 10) / 10,
      openSeconds: Math.round(openSeconds * 100) / 100,
      receivedAfterReopen: received.length,
      receivedBodyBytes: received[0]?.body.length,
      counts,
    }),
  );
} finally {
  await rm(path, { recursive: true, force: true });
}
