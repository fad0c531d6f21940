/**
 * DATA_DIR holds every tenant's webhooks, queued events, the admin token and the encryption key:
 * after a real `npm start` on a directory made earlier with open modes (0755 directories, 0644
 * files), every directory in it is 0700 and every file 0600, those the service creates included.
 */
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killProcessGroupHard, type ServiceProcess, startServiceProcess } from '../support/npm-start-process';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cw-private-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every directory and file under `path` (itself included) with its permission bits. */
async function modes(path: string): Promise<Array<{ path: string; kind: 'dir' | 'file'; mode: number }>> {
  const stat = await lstat(path);
  if (stat.isDirectory()) {
    const below = await Promise.all((await readdir(path)).map((name) => modes(join(path, name))));
    return [{ path, kind: 'dir', mode: stat.mode & 0o777 }, ...below.flat()];
  }
  return stat.isFile() ? [{ path, kind: 'file', mode: stat.mode & 0o777 }] : [];
}

function expectPrivate(entries: Awaited<ReturnType<typeof modes>>): void {
  const open = entries
    .filter(({ kind, mode }) => mode !== (kind === 'dir' ? 0o700 : 0o600))
    .map(({ path, mode }) => `${path} ${mode.toString(8)}`);
  expect(open).toEqual([]);
}

describe('npm start on a DATA_DIR made with open modes', () => {
  it('makes the directory and everything in it private to its owner, new files included', async () => {
    const dataDir = join(root, 'data');
    await mkdir(join(dataDir, 'dynamodb'), { recursive: true });
    await writeFile(join(dataDir, 'admin-token'), 'dev_left-by-hand');
    await writeFile(join(dataDir, 'dynamodb', 'left-by-hand'), 'x');
    await chmod(join(dataDir, 'admin-token'), 0o644);
    await chmod(join(dataDir, 'dynamodb', 'left-by-hand'), 0o644);
    await chmod(join(dataDir, 'dynamodb'), 0o755);
    await chmod(dataDir, 0o755);

    let service: ServiceProcess | undefined;
    try {
      service = await startServiceProcess({
        PORT: '0',
        DATA_DIR: dataDir,
        POWERTOOLS_LOG_LEVEL: 'WARN',
        LOCAL_DELIVERY_THREADS: '0',
      });
      const entries = await modes(dataDir);
      // The store, the queues, the lock and the key were all made by this start.
      expect(entries.filter(({ kind }) => kind === 'file').length).toBeGreaterThan(4);
      expect(entries.some(({ path }) => path.endsWith('service.lock'))).toBe(true);
      expectPrivate(entries);
    } finally {
      if (service) await killProcessGroupHard(service.child);
    }
    expectPrivate(await modes(dataDir));
  });
});
