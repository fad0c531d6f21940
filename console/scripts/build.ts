/**
 * Builds the admin console into console/dist when its sources changed since the last build, and
 * prints the JavaScript size gzipped (budget: 200 KB). Run by `npm start` (prestart) and after
 * `npm ci` (postinstall), so the console is always there without an extra command; offline.
 *
 * Several `npm start`s may run this at once (tests do): each builds into its own directory and
 * swaps it in with renames, so a reader never sees a half-written dist.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const consoleDir = dirname(dirname(fileURLToPath(import.meta.url)));
const rootDir = dirname(consoleDir);
const distDir = join(consoleDir, 'dist');
const STAMP = '.build-stamp';
/** The console's JavaScript stays under this, gzipped. */
export const JS_BUDGET_BYTES = 200 * 1024;

function inputFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'dist' || entry.name.startsWith('.dist-') || entry.name === 'node_modules') return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? inputFiles(path) : [path];
  });
}

/** A digest of everything the build reads: console sources and configs, and the lock file. */
function inputDigest(): string {
  const hash = createHash('sha256');
  for (const file of [...inputFiles(consoleDir), join(rootDir, 'package-lock.json')].sort()) {
    hash.update(relative(rootDir, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** Total gzipped size of the JavaScript in `dir`, in bytes, with each file's size. */
export function gzippedJavaScript(dir: string): { total: number; files: { name: string; bytes: number }[] } {
  const assets = join(dir, 'assets');
  const files = existsSync(assets)
    ? readdirSync(assets)
        .filter((name) => name.endsWith('.js'))
        .map((name) => ({ name, bytes: gzipSync(readFileSync(join(assets, name)), { level: 9 }).length }))
    : [];
  return { total: files.reduce((sum, file) => sum + file.bytes, 0), files };
}

async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  const digest = inputDigest();
  const stampFile = join(distDir, STAMP);
  if (!force && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === digest) return;

  // A caller's NODE_ENV (vitest sets `test`) would make Vite bundle React's development build.
  process.env.NODE_ENV = 'production';
  // The console's packages (React, Vite, …) are devDependencies: the service runs the built files,
  // never these packages. An install without them (`npm ci --omit=dev`) keeps whatever dist exists.
  let build: typeof import('vite').build;
  try {
    ({ build } = await import('vite'));
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    process.stdout.write(
      existsSync(stampFile)
        ? 'vite is not installed (an install without devDependencies): the console keeps its last build\n'
        : 'vite is not installed (an install without devDependencies): the console is not built; run npm ci to build it\n',
    );
    return;
  }
  const outDir = join(consoleDir, `.dist-${process.pid}`);
  process.stdout.write('building the admin console (console/ → console/dist)…\n');
  await build({
    configFile: join(consoleDir, 'vite.config.ts'),
    mode: 'production',
    logLevel: 'warn',
    build: { outDir },
  });
  writeFileSync(join(outDir, STAMP), digest);
  const size = gzippedJavaScript(outDir);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  for (const file of size.files) process.stdout.write(`  ${file.name}  ${kb(file.bytes)} gzipped\n`);
  process.stdout.write(`console JavaScript: ${kb(size.total)} gzipped (budget ${kb(JS_BUDGET_BYTES)})\n`);
  if (size.total > JS_BUDGET_BYTES) {
    rmSync(outDir, { recursive: true, force: true });
    throw new Error(
      `console JavaScript is ${kb(size.total)} gzipped, over the ${kb(JS_BUDGET_BYTES)} budget`,
    );
  }
  // Swap: old dist aside, new one in, old one removed. Another builder may have won meanwhile;
  // both built the same inputs, so whichever dist stays is correct.
  const old = join(consoleDir, `.dist-old-${process.pid}`);
  if (existsSync(distDir)) {
    try {
      renameSync(distDir, old);
    } catch {
      // someone else moved it first
    }
  }
  try {
    renameSync(outDir, distDir);
  } catch {
    rmSync(outDir, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`console build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
