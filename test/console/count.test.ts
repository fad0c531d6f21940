import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { count } from '#console-src/count';

const consoleSource = join(import.meta.dirname, '../../console/src');

describe('counts in the console', () => {
  it('say their noun in the right number', () => {
    expect(count(1, 'attempt')).toBe('1 attempt');
    expect(count(0, 'attempt')).toBe('0 attempts');
    expect(count(2, 'attempt')).toBe('2 attempts');
    expect(count(1, 'failed delivery', 'failed deliveries')).toBe('1 failed delivery');
    expect(count(3, 'failed delivery', 'failed deliveries')).toBe('3 failed deliveries');
  });

  it('all go through count(): no number followed by a fixed plural, no hand-made plural', () => {
    const offenders: string[] = [];
    for (const entry of readdirSync(consoleSource, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.tsx?$/.test(entry.name)) continue;
      const file = join(entry.parentPath, entry.name);
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          // `{n} attempts` in JSX, `${n} attempts` in a template, `=== 1 ? '' : 's'` by hand.
          const fixedPlural =
            /\{[^{}]*(?:[Cc]ount|length|total|peak|\dh|enqueued|size)\}\s+(attempts|deliveries|webhooks|failures|events|retries|secrets|days|fields)\b/;
          const handMade = /=== 1 \? '[a-z]*' : '[a-z]*'/;
          if (fixedPlural.test(line) || handMade.test(line))
            offenders.push(`${file.slice(consoleSource.length + 1)}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
