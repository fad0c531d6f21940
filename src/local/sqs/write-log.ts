/**
 * Ordered, group-committed writes to LevelDB. Every change is in LevelDB before the caller's
 * promise resolves, so before the HTTP response. No fsync per write: LevelDB's write() has handed
 * the data to the OS (its log file) when it returns, which survives a process kill -9; only a
 * machine crash could lose the last writes, a risk the local runtime accepts for throughput.
 */
import type { ClassicLevel } from 'classic-level';

export type WriteOperation = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

interface PendingWrite {
  operations: WriteOperation[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Serialises batches (so two writes to one key land in call order) and merges those that queue up meanwhile. */
export class WriteLog {
  private pending: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly database: ClassicLevel<string, string>) {}

  /** Resolves once `operations` are written, atomically, after every earlier write. */
  write(operations: WriteOperation[]): Promise<void> {
    if (operations.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({ operations, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Resolves when every write issued so far is done. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const group = this.pending;
      this.pending = [];
      try {
        await this.database.batch(group.flatMap((write) => write.operations));
        for (const write of group) write.resolve();
      } catch (error) {
        for (const write of group) write.reject(error);
      }
    }
    this.flushing = undefined;
  }
}
