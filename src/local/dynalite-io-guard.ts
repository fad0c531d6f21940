/**
 * Keeps a failed write of the embedded store from ending the process (docs/contract.md#local-runtime: a full disk
 * or a failed store write answers that request with a 503 and leaves the process running).
 *
 * dynalite hands a LevelDB I/O error (ENOSPC on a full disk, EIO…) to its request callback, which
 * throws it (`if (err) throw err`, from a setImmediate): an uncaught exception that ends the whole
 * service. Every dynalite action is wrapped, before dynalite itself loads them, so such an error
 * becomes what DynamoDB answers when it cannot serve a request: HTTP 500 `InternalServerError`.
 * The AWS SDK retries it and then raises it; the admin API maps it to 503 (store unavailable).
 * The write was not acknowledged, so nothing acknowledged is lost.
 */
import { readdirSync } from 'node:fs';
import type { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

type ActionCallback = (error: unknown, data?: unknown) => void;
type Action = (store: unknown, data: unknown, callback: ActionCallback) => void;

/** What the store answers instead of crashing: DynamoDB's own 500 error type. */
export const STORE_FAILURE_TYPE = 'com.amazonaws.dynamodb.v20120810#InternalServerError';

/** The error body dynalite sends for an I/O failure (its `sendData` writes `statusCode` and `body`). */
function storeFailure(cause: unknown): { statusCode: number; body: { __type: string; message: string } } {
  const code = (cause as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' && code !== '' ? code : 'I/O error';
  return {
    statusCode: 500,
    body: {
      __type: STORE_FAILURE_TYPE,
      message: `The local store could not complete the request (${reason}${reason === 'ENOSPC' ? ': the disk is full' : ''})`,
    },
  };
}

/** Wraps one action so that errors without a status (I/O, not validation) answer 500 instead of throwing. */
export function guardAction(action: Action, onFailure: (error: unknown) => void): Action {
  return (store, data, callback) => {
    let isSettled = false;
    const settle: ActionCallback = (error, result) => {
      if (isSettled) return;
      isSettled = true;
      const hasStatus = (error as { statusCode?: unknown } | null)?.statusCode !== undefined;
      if (error && !hasStatus) {
        onFailure(error);
        callback(storeFailure(error));
        return;
      }
      callback(error, result);
    };
    try {
      action(store, data, settle);
    } catch (error) {
      settle(error);
    }
  };
}

let isInstalled = false;

/**
 * Replaces each of dynalite's action modules in the module cache with a guarded one. Must run before
 * `require('dynalite')`, which looks its actions up through `require` once, at load.
 */
export function installDynaliteIoGuard(
  require: ReturnType<typeof createRequire>,
  onFailure: (error: unknown) => void,
): void {
  if (isInstalled) return;
  const actionsDir = join(dirname(require.resolve('dynalite/package.json')), 'actions');
  for (const file of readdirSync(actionsDir)) {
    if (!file.endsWith('.js')) continue;
    const path = join(actionsDir, file);
    const original = require(path) as Action;
    const cached = require.cache[path];
    if (typeof original !== 'function' || !cached) continue;
    cached.exports = guardAction(original, onFailure);
  }
  isInstalled = true;
}
