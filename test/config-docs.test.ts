/**
 * docs/configuration.md is where the README sends a reader for every setting: each environment
 * variable the code reads (the schema of src/config.ts, and any `process.env.X` in src/, functions/
 * and bin/) must be named there. Variables the code only sets for others (the AWS SDK's warning
 * switch) are not read and need no row.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|js|mjs)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Names in the schema object of src/config.ts: its top-level keys. */
function schemaVariables(): string[] {
  const source = readFileSync(join(root, 'src/config.ts'), 'utf8');
  const start = source.indexOf('const environmentSchema = z.object({');
  expect(start).toBeGreaterThanOrEqual(0);
  const body = source.slice(start, source.indexOf('\n});', start));
  return [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1] as string);
}

/** Names read as `process.env.X` or `process.env['X']`, with the file that reads each. */
function readVariables(): Map<string, string> {
  const found = new Map<string, string>();
  for (const folder of ['src', 'functions', 'bin']) {
    for (const file of sourceFiles(folder)) {
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(
        /process\.env(?:\.([A-Z][A-Z0-9_]+)|\[\s*['"`]([A-Z][A-Z0-9_]+)['"`]\s*\])/g,
      )) {
        // A key written into an environment (`{ ...process.env, X: 'true' }`) is not a read.
        found.set((match[1] ?? match[2]) as string, file.slice(root.length + 1));
      }
    }
  }
  return found;
}

describe('docs/configuration.md names every variable the code reads', () => {
  const documented = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
  const isDocumented = (name: string) => documented.includes(`\`${name}\``);

  it('every variable of the configuration schema', () => {
    const schema = schemaVariables();
    expect(schema.length).toBeGreaterThan(20);
    expect(schema.filter((name) => !isDocumented(name))).toEqual([]);
  });

  it('every process.env read in src/, functions/ and bin/', () => {
    const read = readVariables();
    expect(read.size).toBeGreaterThan(0);
    const missing = [...read]
      .filter(([name]) => !isDocumented(name))
      .map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });
});
