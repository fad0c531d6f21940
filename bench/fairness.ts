/**
 * `npm run bench:fairness`: the fair-share phase of the benchmark alone (fairness-phase.ts), for
 * measuring a queue change without the whole run. Options: --burst-events=<n> (default 3,000),
 * --calm-events=<n> (default 50, at 10 a second).
 */
import { startBenchService } from './bench-service';
import { runFairnessPhase } from './fairness-phase';
import { captureServiceLogs } from './log-capture';
import { createPublisher } from './pipeline-load';
import { startBenchReceiver } from './receiver';

const logs = captureServiceLogs(undefined);
const option = (name: string, fallback: number): number => {
  const value = Number(process.argv.find((argument) => argument.startsWith(`--${name}=`))?.split('=')[1]);
  return value > 0 ? Math.round(value) : fallback;
};
const receiver = await startBenchReceiver(1);
const service = await startBenchService({
  deliveryConcurrency: 8,
  webhooksPerMessage: 1,
  deliveryThreads: 1,
  deliveryLog: 'all',
});
const publisher = await createPublisher(service.runtime.url, service.runtime.awsKey);
try {
  const result = await runFairnessPhase({
    service,
    receiver,
    publisher,
    messageText: 'Hello, I need help with my order. '.repeat(6),
    burstEvents: option('burst-events', 3000),
    calmEvents: option('calm-events', 50),
    calmEventsPerSecond: 10,
    maxWaitMs: 15_000,
    quietTimeoutMs: 15_000,
  });
  logs.restore();
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  publisher.destroy();
  await service.stop();
  await receiver.close();
}
