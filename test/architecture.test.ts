import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The shape of the tree, checked on every run (STYLE.md review, point 8): shared code is reached
 * through package.json subpath aliases (`#domain/*`, `#composition/*`, `#functions/*`, …), so a
 * file can move without a ladder of `../../` breaking, and the domain stays free of AWS.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_DIRS = ['src', 'lib', 'functions', 'bin', 'test', 'bench', 'console/scripts'];
const IMPORT_SPECIFIER = /(?:\bfrom|\bimport|vi\.mock)\s*\(?\s*['"]([^'"]+)['"]/g;

function sourceFiles(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', 'cdk.out', '.data', 'fixtures'].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(path, found);
    else if (/\.(ts|tsx)$/.test(entry.name)) found.push(path);
  }
  return found;
}

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT_SPECIFIER)].map((match) => match[1] as string);
}

const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir)));

describe('the tree', () => {
  it('finds the source files it checks', () => {
    expect(files.length).toBeGreaterThan(200);
  });

  it('has no import that climbs two folders (`../../`): shared code is reached by a subpath alias', () => {
    const climbing = files.flatMap((file) =>
      importsOf(file)
        .filter((specifier) => specifier.startsWith('../../'))
        .map((specifier) => `${relative(ROOT, file)}: ${specifier}`),
    );
    expect(climbing).toEqual([]);
  });

  it('reaches composition and the function handlers only through their aliases', () => {
    const relativeIntoRoots = files.flatMap((file) => {
      const from = relative(ROOT, file);
      return importsOf(file)
        .filter((specifier) => specifier.startsWith('.'))
        .filter((specifier) => {
          const target = relative(ROOT, join(file, '..', specifier));
          const intoComposition = target.startsWith('src/composition') && !from.startsWith('src/composition');
          const intoFunctions = target.startsWith('functions/') && !from.startsWith('functions/');
          return intoComposition || intoFunctions;
        })
        .map((specifier) => `${from}: ${specifier}`);
    });
    expect(relativeIntoRoots).toEqual([]);
  });

  it('keeps the domain free of AWS, adapters and environment variables', () => {
    const leaks = files
      .filter((file) => relative(ROOT, file).startsWith('src/domain/'))
      .flatMap((file) => {
        const text = readFileSync(file, 'utf8');
        const bad = importsOf(file).filter(
          (specifier) =>
            specifier.startsWith('@aws-sdk/') ||
            specifier.startsWith('#adapters/') ||
            specifier.startsWith('#local/'),
        );
        if (/process\.env/.test(text)) bad.push('process.env');
        return bad.map((what) => `${relative(ROOT, file)}: ${what}`);
      });
    expect(leaks).toEqual([]);
  });
});
