/**
 * The repository explains itself: the product contract lives in docs/contract.md, and nothing in
 * the tree cites a document outside it (a section number of a contract it does not hold) or a path beside
 * the checkout. Every docs/contract.md anchor that code links to exists.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const tracked = execFileSync('git', ['ls-files'], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => /\.(ts|tsx|mjs|js|md|json|css|html|sh)$/.test(file) || file.startsWith('.ci/'))
  .filter((file) => !file.startsWith('console/dist') && file !== 'package-lock.json');
const contract = readFileSync('docs/contract.md', 'utf8');
const anchors = new Set([...contract.matchAll(/<a id="([^"]+)"><\/a>/g)].map((match) => match[1]));

describe('the repository is self-contained', () => {
  it('cites no section of a product contract outside the repo', () => {
    const outside = tracked.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, index) => ({ file, line: index + 1, text: line }))
        .filter(({ text }) => /\bSPEC(\.md)?\b(?!_)|STYLE\.md|\.\.\/shared\//.test(text)),
    );
    expect(outside.map(({ file, line, text }) => `${file}:${line}: ${text.trim()}`)).toEqual([]);
  });

  it('links only to docs/contract.md anchors that exist', () => {
    const missing = tracked.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/docs\/contract\.md#([\w-]+)((?:, #[\w-]+)*)/g)]
        .flatMap((match) => [match[1], ...[...(match[2] ?? '').matchAll(/#([\w-]+)/g)].map((m) => m[1])])
        .filter((anchor) => !anchors.has(anchor as string))
        .map((anchor) => `${file}: #${anchor}`),
    );
    expect(missing).toEqual([]);
  });
});
