/**
 * One running service per DATA_DIR (docs/contract.md#local-runtime). The embedded store and the local queues are
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
 * True when a process with this pid exists (EPERM: it exists but belongs to someone else) and is not
 * a zombie. A service killed with -9 whose parent is gone stays a zombie until init reaps it, which
 * some container inits do late or never; kill(pid, 0) still succeeds on it, so the lock would
 * never be taken over.
 */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/** Linux: the state letter of /proc/<pid>/stat is Z (zombie) or X (dead). False where /proc is absent. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (in parentheses) may hold spaces or ')': the state follows the last ') '.
    const state = stat.slice(stat.lastIndexOf(') ') + 2, stat.lastIndexOf(') ') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
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
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
