/**
 * Closes the LevelDB iterators the embedded store opens for every Query and Scan, so its memory does
 * not grow with the number of requests it has answered (docs/contract.md#local-runtime).
 *
 * dynalite reads a range through a stream over an `abstract-level` iterator and, when the stream ends
 * or is destroyed, closes it with `iterator.return()` if the iterator has one. `abstract-level` 3
 * iterators have none (they close with `close()`; reaching the end does not close them), so every
 * Query left a native LevelDB iterator open, attached to the database until it closes: each one pins
 * the LevelDB version it read (memtables and table files that can no longer be freed) and its read
 * buffer. Under a steady load that was the service's RSS growing outside the JS heaps, about 15 KiB
 * per Query (bench/RESULTS.md, "Memory under sustained load"). Giving the iterators the `return()` of
 * the async-iterator protocol, as `close()`, lets dynalite's own clean-up run.
 */
import type { createRequire } from 'node:module';
import { dirname } from 'node:path';

interface ClosableIterator {
  close(): Promise<void>;
  return?: () => Promise<{ done: true; value: undefined }>;
}

/**
 * Adds `return()` to the iterators of the `abstract-level` copy dynalite's LevelDB binding uses
 * (`require` resolves from this project); idempotent. Returns whether the prototype was patched (false
 * when the installed version already closes on `return()`).
 */
export function installDynaliteIteratorGuard(require: ReturnType<typeof createRequire>): boolean {
  const dynaliteDir = dirname(require.resolve('dynalite/package.json'));
  const levelDir = dirname(require.resolve('classic-level/package.json', { paths: [dynaliteDir] }));
  const abstractLevel = require(require.resolve('abstract-level', { paths: [levelDir] })) as {
    AbstractIterator: { prototype: object };
  };
  // AbstractIterator, AbstractKeyIterator and AbstractValueIterator share this base prototype.
  const common = Object.getPrototypeOf(abstractLevel.AbstractIterator.prototype) as ClosableIterator;
  if (typeof common.return === 'function') return false;
  common.return = async function (this: ClosableIterator) {
    await this.close();
    return { done: true, value: undefined };
  };
  return true;
}
