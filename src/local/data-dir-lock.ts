/**
 * One running service per DATA_DIR (SPEC section 3). The embedded store and the local queues are
 * single-writer LevelDB databases: a second process on the same directory used to die later with
 * dynalite's raw "Database is closed". A lock file holding the owner's pid is taken first, so the
 * second start exits at once naming the directory and the process that holds it.
 */
import { readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** The lock file's name inside DATA_DIR. */
export const LOCK_FILE_NAME = 'service.lock';

/** DATA_DIR is held by another live process. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by another chat-webhooks process (pid ${holderPid}). ` +
        `Stop that process (kill ${holderPid}) or start this one with another DATA_DIR.`,
    );
    this.name = 'DataDirInUseError';
  }
}

/** A held lock; `release` removes the file (only if it is still ours). */
export interface DataDirLock {
  path: string;
  release(): Promise<void>;
}

/** Lock files this process holds (a second runtime in one process is refused as well). */
const heldHere = new Set<string>();

/**
 * True when a process with this pid runs (EPERM: it exists but belongs to someone else). A zombie (a
 * killed process its parent has not reaped yet, e.g. right after `kill -9` of `npm start`'s group when
 * the reaper is slow) still answers signal 0 but holds nothing: it counts as gone.
 */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** Linux: the process state in /proc/<pid>/stat is Z (zombie) or X (dead). Elsewhere: false. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command) S ...": the command may hold spaces and parentheses, so read after the last ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

async function readHolder(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Takes `<dataDir>/service.lock` for this process. A lock left by a process that no longer exists
 * (kill -9, a crash, a reboot) is stale and taken over; a lock held by a live process, this one
 * included (a second runtime in one process would corrupt the store just the same), throws
 * DataDirInUseError. The directory must exist.
 */
export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE_NAME);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      // 'wx' creates the file only if absent: two starts racing cannot both succeed.
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`, 'utf8');
      } finally {
        await handle.close();
      }
      heldHere.add(path);
      return {
        path,
        release: async () => {
          if (!heldHere.delete(path)) return;
          if ((await readHolder(path)) === process.pid) await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(path);
    // Our own pid in a lock we did not take is a stale lock from before a restart (containers reuse pids).
    const isHeld =
      holder !== undefined && (holder === process.pid ? heldHere.has(path) : isProcessAlive(holder));
    if (holder !== undefined && isHeld) throw new DataDirInUseError(dataDir, holder);
    // Stale (its process is gone) or unreadable (a crash between create and write): take it over.
    await rm(path, { force: true });
  }
  throw new Error(`Could not take the lock ${path}: it keeps reappearing`);
}
