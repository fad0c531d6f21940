/**
 * One running service per DATA_DIR (SPEC section 3). The embedded store and the local queues are
 * single-writer LevelDB databases: a second process on the same directory used to die later with
 * dynalite's raw "Database is closed". A lock file holding the owner's pid is taken first, so the
 * second start exits at once naming the directory and the process that holds it.
 */
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
 * True when a process with this pid is running (EPERM: it exists but belongs to someone else). A
 * zombie (killed, not yet reaped by its parent) still answers signal 0 but holds nothing: on Linux its
 * state in /proc says so.
 */
async function isProcessAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S …": the state letter follows the last ')' (comm itself may hold parentheses).
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (not Linux): signal 0 is all there is
  }
}

/**
 * How long a start waits for a holder that is alive to go away. A process killed with SIGKILL a moment
 * ago (a restart right after `kill -9`) still exists while the kernel tears it down; a real second
 * service stays, and this start then fails after this short wait.
 */
const DYING_HOLDER_WAIT_MS = 3_000;

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
      holder !== undefined &&
      (holder === process.pid ? heldHere.has(path) : await isAliveAfterWaiting(holder, DYING_HOLDER_WAIT_MS));
    if (holder !== undefined && isHeld) throw new DataDirInUseError(dataDir, holder);
    // Stale (its process is gone) or unreadable (a crash between create and write): take it over.
    await rm(path, { force: true });
  }
  throw new Error(`Could not take the lock ${path}: it keeps reappearing`);
}

/** True when `pid` is still alive after up to `waitMs` of polling (false as soon as it is gone). */
async function isAliveAfterWaiting(pid: number, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (await isProcessAlive(pid)) {
    if (Date.now() >= deadline) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
