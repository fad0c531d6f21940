/**
 * Cold-start figures: bundles each Lambda handler the way lib/constructs/service-function.ts does
 * (esbuild, ESM, minified, node22, the same banner) and times importing it in a fresh Node process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { median } from './stats';

const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));
const IMPORT_RUNS = 5;

/** One function's bundle. */
export interface BundleFigures {
  name: string;
  bytes: number;
  /** Median time to import the bundle in a fresh process, over IMPORT_RUNS runs. */
  importMs: number;
  /** Median resident memory of that process after the import, MiB: the floor under the function's memory size. */
  rssMib: number;
}

/** Bundles every functions/*.ts and measures each bundle's size and import time. */
export async function measureBundles(): Promise<BundleFigures[]> {
  const functionsDir = join(PROJECT_ROOT, 'functions');
  const names = (await readdir(functionsDir))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3));
  const outDir = await mkdtemp(join(tmpdir(), 'cw-bundles-'));
  try {
    const figures: BundleFigures[] = [];
    for (const name of names.sort()) {
      const outfile = join(outDir, `${name}.mjs`);
      await build({
        entryPoints: [join(functionsDir, `${name}.ts`)],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        minify: true,
        mainFields: ['module', 'main'],
        banner: {
          js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        },
        logLevel: 'silent',
      });
      const bytes = (await stat(outfile)).size;
      const runs = Array.from({ length: IMPORT_RUNS }, () => timeImport(outfile));
      figures.push({
        name,
        bytes,
        importMs: median(runs.map((run) => run.ms)),
        rssMib: median(runs.map((run) => run.rssMib)),
      });
    }
    return figures;
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** Milliseconds a fresh `node` takes to import `file` (module evaluation, not process start), and its RSS after. */
function timeImport(file: string): { ms: number; rssMib: number } {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t) + ' ' + String(process.memoryUsage().rss / 1048576));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const [ms, rssMib] = result.stdout.split(' ').map(Number);
  if (result.status !== 0 || !Number.isFinite(ms) || !Number.isFinite(rssMib)) {
    throw new Error(`importing ${file} failed: ${result.stderr}`);
  }
  return { ms: ms!, rssMib: rssMib! };
}
