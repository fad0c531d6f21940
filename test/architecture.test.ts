import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#config';

/**
 * The shape of the tree, checked on every run (docs/architecture.md, code layout): shared code is reached
 * through package.json subpath aliases (`#domain/*`, `#composition/*`, `#functions/*`, …), so a
 * file can move without a ladder of `../../` breaking, and the domain stays free of AWS; use cases
 * speak in domain settings, not environment variables, and one name means one thing.
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

  it('keeps the use cases in domain words: no src/app file imports the config or names an environment variable', () => {
    // Every configuration key: those with a default (from the loader) and the optional ones (from the schema's text).
    const schemaKeys = [
      ...readFileSync(join(ROOT, 'src/config.ts'), 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm),
    ];
    const keys = new Set([...Object.keys(loadConfig({})), ...schemaKeys.map((match) => match[1] as string)]);
    expect([...keys]).toEqual(
      expect.arrayContaining(['RETRY_SCHEDULE', 'DELIVERY_LOG', 'DELIVERY_QUEUE_URL']),
    );
    const variableName = new RegExp(`\\b(${[...keys].join('|')})\\b`, 'g');
    const leaks = files
      .filter((file) => relative(ROOT, file).startsWith('src/app/'))
      .flatMap((file) => {
        // Code only: a comment may say which variable configures a setting.
        const code = readFileSync(file, 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/(^|[^:])\/\/.*$/gm, '$1');
        const bad = importsOf(file).filter(
          (specifier) => specifier === '#config' || /(^|\/)config$/.test(specifier),
        );
        bad.push(...[...code.matchAll(variableName)].map((match) => match[1] as string));
        if (/process\.env/.test(code)) bad.push('process.env');
        if (/\bconfig\b/.test(code)) bad.push('config');
        return bad.map((what) => `${relative(ROOT, file)}: ${what}`);
      });
    expect(leaks).toEqual([]);
  });

  it('gives each exported type its own name: no two files of src, functions or lib export types of one name', () => {
    const declared = new Map<string, string[]>();
    for (const file of files.filter((path) => /^(src|functions|lib)\//.test(relative(ROOT, path)))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(
        /^export (?:interface|type|class|enum|abstract class) ([A-Za-z0-9_]+)/gm,
      )) {
        const name = match[1] as string;
        declared.set(name, [...(declared.get(name) ?? []), relative(ROOT, file)]);
      }
    }
    expect(declared.size).toBeGreaterThan(100);
    const twice = [...declared]
      .filter(([, where]) => where.length > 1)
      .map(([name, where]) => `${name}: ${where}`);
    expect(twice).toEqual([]);
  });

  it('names no variable or parameter of src or functions `log`: it is a logger or a failure log, and says which', () => {
    const bare = files
      .filter((file) => /^(src|functions)\//.test(relative(ROOT, file)))
      .flatMap((file) => {
        // Code only: comments and string literals may speak of a log.
        const code = readFileSync(file, 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/(^|[^:])\/\/.*$/gm, '$1')
          // A template keeps only its ${…} expressions (code); its text, like a string's, is not code.
          .replace(/`(?:[^`\\]|\\.)*`/g, (template) =>
            [...template.matchAll(/\$\{([^}]*)\}/g)].map((expression) => expression[1]).join(' '),
          )
          .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''");
        return [...code.matchAll(/(?<![\w$#.])logs?(?![\w$])/g)].map(() => relative(ROOT, file));
      });
    expect(bare).toEqual([]);
  });
  it('takes randomness only from the random port: no `Math.random` outside its one real adapter', () => {
    // Jitter drawn from the injected port is what a test can seed; a stray Math.random is jitter no
    // test controls (src/adapters/system-random.ts is the one place the platform's generator is read).
    const adapter = 'src/adapters/system-random.ts';
    const production = files.filter((file) => /^(src|functions|lib|bin)\//.test(relative(ROOT, file)));
    expect(production.map((file) => relative(ROOT, file))).toContain(adapter);
    const strays = production
      .filter((file) => relative(ROOT, file) !== adapter)
      .filter((file) =>
        /Math\s*\.\s*random\b|Math\s*\[\s*['"]random['"]\s*\]/.test(readFileSync(file, 'utf8')),
      )
      .map((file) => relative(ROOT, file));
    expect(strays).toEqual([]);
  });

  it('lets no use case or handler take the whole Services catalogue: each declares the ports it uses (Pick<Services, …>)', () => {
    const whole = files
      .filter((file) => /^(src\/app|functions)\//.test(relative(ROOT, file)))
      .flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/:\s*(?:Readonly<)?Services\b(?![\w[])/g)].map(() =>
          relative(ROOT, file),
        ),
      );
    expect(whole).toEqual([]);
  });
});
