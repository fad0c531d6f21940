/**
 * Starting a worker thread on one of the local runtime's TypeScript modules. Node 20 does not apply an
 * `--import` loader to a worker's entry, so the worker registers tsx's ESM hooks itself, as the main
 * thread runs under tsx, then imports the module. The ESM build of tsx's API sits beside the CommonJS
 * one `require.resolve` finds.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const TSX_ESM_API = pathToFileURL(
  createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs'),
).href;

/** The `eval` source of a worker that loads `module` (a `.ts` file URL) under tsx. */
export function workerSourceFor(module: URL): string {
  return `import(${JSON.stringify(TSX_ESM_API)})
  .then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); });`;
}
