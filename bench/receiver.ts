/**
 * The parent side of the benchmark's receiver: starts bench/receiver-process.ts and keeps every
 * receipt, keyed by event id and path, with duplicates counted (delivery is at-least-once).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Receipt, ReceiverMessage } from './receiver-process';

const RECEIVER_SCRIPT = fileURLToPath(new URL('./receiver-process.ts', import.meta.url));

/** A running loopback receiver in a child process. */
export interface BenchReceiver {
  origin: string;
  /** Every origin the receiver listens on (the first is `origin`): one per webhook gives each its own. */
  origins: string[];
  /** First receipt time of each `eventId path` pair. */
  readonly receivedAt: Map<string, number>;
  /** First receipts per event-id prefix (the id up to its last `_`), kept as they arrive. */
  receivedWithPrefix(prefix: string): number;
  /** Deliveries received more than once (at-least-once redeliveries); raw-loop traffic excluded. */
  readonly duplicates: number;
  /** The receiver process's CPU time so far, in milliseconds. */
  cpuMs(): Promise<number>;
  /** Asks the child to report what it has now; resolves after its next message. */
  flush(): Promise<void>;
  /** Answers every delayed request now and answers later ones at once (ends a flood quickly). */
  release(): Promise<void>;
  close(): Promise<void>;
}

/** The path a webhook gives to be answered after `delayMs` (see receiver-process.ts). */
export function delayedPath(delayMs: number, path: string): string {
  return delayMs > 0 ? `/d/${Math.round(delayMs)}${path}` : path;
}

/** The key a receipt is recorded under. */
export function receiptKey(eventId: string, path: string): string {
  return `${eventId} ${path}`;
}

/** Starts the receiver process on 127.0.0.1 (`ports` listening ports) and waits until it listens. */
export async function startBenchReceiver(ports = 1): Promise<BenchReceiver> {
  const child: ChildProcess = fork(RECEIVER_SCRIPT, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_RECEIVER_PORTS: String(ports) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const receivedAt = new Map<string, number>();
  let duplicates = 0;
  const countsByPrefix = new Map<string, number>();
  let onNextMessage: (() => void)[] = [];
  let onCpu: ((microseconds: number) => void)[] = [];
  let onReleased: (() => void)[] = [];
  const record = (receipts: Receipt[]): void => {
    for (const [eventId, path, atMs] of receipts) {
      const key = receiptKey(eventId, path);
      // Raw-loop ids are the ceiling's traffic, not deliveries.
      if (receivedAt.has(key)) duplicates += eventId.startsWith('raw_') ? 0 : 1;
      else {
        receivedAt.set(key, atMs);
        const prefix = eventId.slice(0, eventId.lastIndexOf('_'));
        countsByPrefix.set(prefix, (countsByPrefix.get(prefix) ?? 0) + 1);
      }
    }
  };
  const listening = await new Promise<number[]>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the receiver exited early (${code})`)));
    child.on('message', (message: ReceiverMessage) => {
      if (message.type === 'listening') resolve(message.ports);
      else if (message.type === 'released') {
        const waiting = onReleased;
        onReleased = [];
        for (const answer of waiting) answer();
        return;
      } else if (message.type === 'cpu') {
        const waiting = onCpu;
        onCpu = [];
        for (const answer of waiting) answer(message.microseconds);
        return;
      } else record(message.receipts);
      const waiting = onNextMessage;
      onNextMessage = [];
      for (const wake of waiting) wake();
    });
  });
  child.removeAllListeners('exit');
  const origins = listening.map((port) => `http://127.0.0.1:${port}`);
  return {
    origin: origins[0]!,
    origins,
    receivedAt,
    receivedWithPrefix: (prefix) => countsByPrefix.get(prefix) ?? 0,
    get duplicates() {
      return duplicates;
    },
    cpuMs: () =>
      new Promise<number>((resolve) => {
        onCpu.push((microseconds) => resolve(microseconds / 1000));
        child.send('cpu');
      }),
    flush: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        onNextMessage.push(() => {
          clearTimeout(timer);
          resolve();
        });
        child.send('flush');
      }),
    release: () =>
      new Promise<void>((resolve) => {
        onReleased.push(resolve);
        child.send('release');
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}
