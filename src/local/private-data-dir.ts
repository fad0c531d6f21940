/**
 * DATA_DIR holds every tenant's webhooks, the queued events, the admin token and the encryption
 * key: nobody but the owner of the service may read it, even when the directory was made earlier
 * by hand (mode 0755, files 0644) or by an older version of the service.
 */
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** Mode of every directory under DATA_DIR, DATA_DIR included: owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file under DATA_DIR: owner read and write only. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dataDir` if absent and makes it and everything in it private (directories 0700, files
 * 0600; symbolic links are left alone, never followed). From the main thread it also sets the
 * process umask to 077, so the files the embedded store and queues create later (LevelDB tables,
 * logs) are born private; worker threads cannot change the umask, and the 0700 directory still
 * keeps others out there. Throws the file system's error when a mode cannot be changed.
 */
export async function makeDataDirPrivate(dataDir: string): Promise<void> {
  if (isMainThread) process.umask(0o077);
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await makePrivate(dataDir);
}

async function makePrivate(path: string): Promise<void> {
  const stat = await lstat(path);
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) await chmod(path, PRIVATE_DIR_MODE);
    for (const name of await readdir(path)) await makePrivate(join(path, name));
  } else if (stat.isFile() && (stat.mode & 0o777) !== PRIVATE_FILE_MODE) {
    await chmod(path, PRIVATE_FILE_MODE);
  }
}
