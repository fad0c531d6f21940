/**
 * docs/contract.md#local-runtime, for real: DATA_DIR on a 20 MB tmpfs that is filled up. A failed store write answers that
 * request with 503 in the error shape, the process keeps running, nothing acknowledged is lost (also
 * across a restart), and a start on the full disk says so plainly. Needs root (mount); without it
 * the guard is still covered at the store boundary by test/local/dynalite-io-guard.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killProcessGroupHard, type ServiceProcess, startServiceProcess } from '../support/npm-start-process';

const TOKEN = 'full-disk-token-0123456789';
const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync('sh', [
    '-c',
    'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d" && umount "$d" && rmdir "$d"',
  ]);
  return probe.status === 0;
})();

let mountPoint: string;
const running: ServiceProcess[] = [];

/** Writes a filler file until the disk refuses: ENOSPC. Returns its path. */
async function fillDisk(name: string): Promise<string> {
  const path = join(mountPoint, name);
  const handle = await open(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  }
  // Then byte by byte, so not even a small write fits.
  try {
    for (;;) await handle.write(Buffer.alloc(1));
  } catch {
    // full
  } finally {
    await handle.close().catch(() => undefined);
  }
  return path;
}

describe.runIf(canMount)('a full disk under DATA_DIR (tmpfs, 20 MB)', () => {
  beforeAll(async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'cw-full-disk-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', mountPoint]);
    expect(mounted.status, String(mounted.stderr)).toBe(0);
  });

  afterAll(async () => {
    for (const service of running) await killProcessGroupHard(service.child);
    spawnSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });

  it('answers 503 for writes it cannot make, keeps serving, loses nothing acknowledged', async () => {
    const dataDir = join(mountPoint, 'data');
    const env = {
      PORT: '0',
      DATA_DIR: dataDir,
      ADMIN_TOKENS: `${TOKEN}=acme`,
      POWERTOOLS_LOG_LEVEL: 'WARN',
      LOCAL_DELIVERY_THREADS: '0',
    };
    const service = await startServiceProcess(env);
    running.push(service);
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${service.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json().catch(() => ({}))) as any };
    };
    const webhook = (index: number) => ({
      name: `hook ${index}`,
      description: 'x'.repeat(400),
      events: ['message.created'],
      url: `https://hooks.example.com/${index}`,
    });

    const acknowledged: string[] = [];
    const before = await api('POST', '/v1/webhooks', webhook(0));
    expect(before.status).toBe(201);
    acknowledged.push(before.body.id);

    await fillDisk('filler');
    const statuses: number[] = [];
    for (let index = 1; index <= 30; index += 1) {
      const answer = await api('POST', '/v1/webhooks', webhook(index));
      statuses.push(answer.status);
      if (answer.status === 201) acknowledged.push(answer.body.id);
      else {
        expect(answer.status).toBe(503);
        expect(answer.body.error).toMatchObject({ code: 'service_unavailable' });
        expect(typeof answer.body.error.message).toBe('string');
      }
    }
    // LevelDB may still fit a few writes in blocks it holds; the full disk must show within 30.
    expect(statuses).toContain(503);
    expect(service.child.exitCode).toBeNull();
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    for (const id of acknowledged) expect((await api('GET', `/v1/webhooks/${id}`)).status).toBe(200);

    // Nothing acknowledged is lost across a restart either (once there is room again).
    await rm(join(mountPoint, 'filler'));
    await killProcessGroupHard(service.child);
    const restarted = await startServiceProcess(env);
    running.push(restarted);
    for (const id of acknowledged) {
      const response = await fetch(`${restarted.url}/v1/webhooks/${id}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status, id).toBe(200);
    }
    await killProcessGroupHard(restarted.child);
  }, 120_000);

  it('says plainly that the disk is full when it cannot start', async () => {
    const filler = await fillDisk('filler-2');
    try {
      const child = spawn('npm', ['start', '--silent'], {
        cwd: process.cwd(),
        env: { ...process.env, PORT: '0', DATA_DIR: join(mountPoint, 'fresh'), POWERTOOLS_LOG_LEVEL: 'WARN' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(output).toContain(`the disk holding DATA_DIR ${join(mountPoint, 'fresh')} is full`);
    } finally {
      await rm(filler, { force: true });
    }
  }, 60_000);
});
