/**
 * `npm start` as a child process group, for black-box tests that kill the whole service with
 * SIGKILL and start it again on the same data directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface ServiceProcess {
  child: ChildProcess;
  /** Base URL parsed from the banner (PORT=0 picks a new port on every start). */
  url: string;
  /** The local SQS endpoint from the banner, when LOCAL_SQS_PORT was set. */
  sqsUrl?: string;
  /** The access key pair from the banner: the ingest and the local SQS port answer only calls signed with it. */
  awsKey: { accessKeyId: string; secretAccessKey: string };
  output(): string;
}

const BANNER = /admin API\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/;

/** Runs `npm start` in its own process group with `env` added, and waits for the banner. */
export async function startServiceProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ServiceProcess> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    // Keep the tail only: a long run under faults may log a lot at WARN.
    output = (output + chunk.toString('utf8')).slice(-200_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = BANNER.exec(output);
    if (match) {
      const sqsUrl = /local SQS\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      const key = /AWS_ACCESS_KEY_ID=(\S+)\s+AWS_SECRET_ACCESS_KEY=(\S+)/.exec(output);
      if (!key) throw new Error(`the banner shows no access key pair:\n${output}`);
      return {
        child,
        url: match[1]!,
        ...(sqsUrl ? { sqsUrl } : {}),
        awsKey: { accessKeyId: key[1]!, secretAccessKey: key[2]! },
        output: () => output,
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      killProcessGroup(child, 'SIGKILL');
      throw new Error(`npm start did not come up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Signals every process of the child's group (npm, tsx, node); a group already gone is fine. */
export function killProcessGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/**
 * SIGKILLs the group and resolves once every process of it is dead: npm has exited and the output
 * pipes, which npm, tsx and node all hold, are closed. A restart then never races the dying
 * process for the data directory's locks. (Polling the group with signal 0 would count zombies.)
 */
export async function killProcessGroupHard(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const exited = child.exitCode !== null || child.signalCode !== null;
  const gone = Promise.all([
    exited ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve)),
    closed(child.stdout),
    closed(child.stderr),
  ]);
  killProcessGroup(child, 'SIGKILL');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`process group ${child.pid} survived SIGKILL`)), timeoutMs);
  });
  try {
    await Promise.race([gone, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function closed(stream: NodeJS.ReadableStream | null): Promise<void> {
  if (!stream || (stream as { closed?: boolean }).closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}
