/**
 * docs/contract.md#local-runtime: a second `npm start` on a DATA_DIR in use exits at once naming the directory and the pid
 * holding it; a lock left by a dead process is taken over. Real processes, real files.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirInUseError, LOCK_FILE_NAME } from '#local/data-dir-lock';
import { killProcessGroupHard, type ServiceProcess, startServiceProcess } from '../support/npm-start-process';

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cw-lock-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('acquireDataDirLock', () => {
  it('refuses a second holder in this process, takes over a stale lock, and releases', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-lock-unit-'));
    try {
      const lock = await acquireDataDirLock(dir);
      expect((await readFile(join(dir, LOCK_FILE_NAME), 'utf8')).trim()).toBe(String(process.pid));
      const second = await acquireDataDirLock(dir).catch((error: unknown) => error);
      expect(second).toBeInstanceOf(DataDirInUseError);
      expect((second as Error).message).toContain(dir);
      expect((second as Error).message).toContain(`pid ${process.pid}`);
      await lock.release();

      // A lock left by a process that died (kill -9) is stale: taken over.
      await writeFile(join(dir, LOCK_FILE_NAME), `${deadPid()}\n`);
      const takenOver = await acquireDataDirLock(dir);
      expect((await readFile(join(dir, LOCK_FILE_NAME), 'utf8')).trim()).toBe(String(process.pid));
      await takenOver.release();

      // Our own pid in a lock we never took: left before a restart that reused the pid.
      await writeFile(join(dir, LOCK_FILE_NAME), `${process.pid}\n`);
      await (await acquireDataDirLock(dir)).release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.runIf(process.platform === 'linux')(
    'takes over a lock whose holder was killed but not yet reaped (a zombie, as after kill -9 under a slow or absent init)',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'cw-lock-zombie-'));
      // A child that exits at once, under a parent that never reaps it: a zombie until the test kills the
      // parent. (A shell's `sleep 0 &` is not one: dash may reap it before its `exec`.) perl is in every
      // Debian base system.
      const parent = spawn(
        'perl',
        ['-e', '$| = 1; my $pid = fork(); exit 0 if $pid == 0; print "$pid\\n"; sleep 30;'],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      try {
        const zombie = await new Promise<number>((resolve) =>
          parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
        );
        // The child exits on its own schedule (later on a loaded machine): wait for its state to become Z.
        await expect
          .poll(async () => (await readFile(`/proc/${zombie}/stat`, 'utf8')).split(') ')[1]?.[0], {
            timeout: 4_000,
          })
          .toBe('Z');
        await writeFile(join(dir, LOCK_FILE_NAME), `${zombie}\n`);
        const takenOver = await acquireDataDirLock(dir);
        expect((await readFile(join(dir, LOCK_FILE_NAME), 'utf8')).trim()).toBe(String(process.pid));
        await takenOver.release();
      } finally {
        parent.kill('SIGKILL');
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('a second npm start on the same DATA_DIR', () => {
  it('exits at once, naming the directory and the process holding it', async () => {
    const env = { PORT: '0', DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'WARN', LOCAL_DELIVERY_THREADS: '0' };
    let first: ServiceProcess | undefined;
    try {
      first = await startServiceProcess(env);
      const holder = (await readFile(join(dataDir, LOCK_FILE_NAME), 'utf8')).trim();
      const second = spawn('npm', ['start', '--silent'], {
        cwd: process.cwd(),
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      second.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      second.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
      expect(code).toBe(1);
      expect(output).toContain(`DATA_DIR ${dataDir} is in use`);
      expect(output).toContain(`pid ${holder}`);
      expect(output).not.toMatch(/Database is closed|at .*\.js:\d+/);
      // The first one is untouched.
      expect((await fetch(`${first.url}/health`)).status).toBe(200);
    } finally {
      if (first) await killProcessGroupHard(first.child);
    }
  }, 90_000);
});
