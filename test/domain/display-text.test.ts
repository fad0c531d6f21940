import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hasDeceptiveFormat,
  hasVisibleCharacter,
  MAX_STACKED_MARKS,
  malformedTextIssue,
} from '#domain/display-text';
import { toFieldIssues, webhookInputSchemas } from '#domain/webhook-schema';

const { create, patch } = webhookInputSchemas({ allowInsecureLocalhost: false });
const valid = { name: 'CRM sync', events: ['message.created'], url: 'https://hooks.example.com/chat' };

/** Code points that render as nothing: format, bidi controls, joiners, combining marks alone, fillers. */
const INVISIBLE = [
  0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad, 0x034f, 0x061c, 0x180e, 0x200e, 0x200f, 0x202a, 0x202b,
  0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x3164, 0xffa0, 0xfe0f, 0x0301, 0x0300, 0x20dd,
  0xe0001, 0xe0020, 0x1d173, 0x115f, 0x2061,
].map((codePoint) => String.fromCodePoint(codePoint));
const SPACES = [' ', '\u00a0', '\u2003', '\u3000', '\u2028', '\u2029'];
const CONTROLS = ['\u0000', '\u0007', '\u0008', '\u000b', '\u001b', '\r', '\u007f', '\u0085', '\u009b'];

const invisibleText = fc
  .array(fc.constantFrom(...INVISIBLE, ...SPACES), { minLength: 1, maxLength: 30 })
  .map((parts) => parts.join(''));

function fieldOf(result: { success: boolean; error?: Parameters<typeof toFieldIssues>[0] }): string[] {
  expect(result.success).toBe(false);
  if (result.success || !result.error) return [];
  return toFieldIssues(result.error).map((issue) => issue.field);
}

describe('webhook name', () => {
  it('refuses, naming the field, any name made only of invisible, format or space characters', () => {
    fc.assert(
      fc.property(invisibleText, (name) => {
        expect(hasVisibleCharacter(name)).toBe(false);
        expect(fieldOf(create.safeParse({ ...valid, name }))).toEqual(['name']);
        expect(fieldOf(patch.safeParse({ name }))).toEqual(['name']);
      }),
    );
  });

  it('accepts a visible character among invisible ones, and stores the name trimmed', () => {
    fc.assert(
      fc.property(
        invisibleText,
        fc.constantFrom('a', 'Ж', '中', '😀', '١', 'é', 'e\u0301', '#'),
        (padding, visible) => {
          // Bidi controls and tag characters are refused among visible ones (a name that reorders itself),
          // and so are more than MAX_STACKED_MARKS combining marks in a row (the padding holds some).
          fc.pre(!hasDeceptiveFormat(padding) && malformedTextIssue(`${padding}${visible}`) === undefined);
          const parsed = create.parse({ ...valid, name: ` ${padding}${visible} ` });
          expect(parsed.name).toBe(`${padding}${visible}`.trim());
          expect(hasVisibleCharacter(parsed.name)).toBe(true);
        },
      ),
    );
  });

  it('refuses control characters and counts the length after trimming', () => {
    for (const control of CONTROLS)
      expect(fieldOf(create.safeParse({ ...valid, name: `a${control}b` }))).toEqual(['name']);
    expect(create.parse({ ...valid, name: `  ${'n'.repeat(100)}  ` }).name).toHaveLength(100);
    expect(fieldOf(create.safeParse({ ...valid, name: 'n'.repeat(101) }))).toEqual(['name']);
  });
});

describe('names and descriptions are well-formed, readable, undirected Unicode', () => {
  /** Every Bidi_Control code point (Unicode 15): the marks as well as the embeddings and isolates. */
  const BIDI_CONTROLS = [
    0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
  ];

  it('refuses any bidi control or tag character among visible text, in a name and a description (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...BIDI_CONTROLS, 0xe0001, 0xe0041, 0xe007f),
        fc.string({ unit: fc.constantFrom('a', 'Ж', 'ب', ' ', '1'), maxLength: 10 }),
        (codePoint, around) => {
          const text = `x${around}${String.fromCodePoint(codePoint)}${around}y`;
          expect(fieldOf(create.safeParse({ ...valid, name: text }))).toEqual(['name']);
          expect(fieldOf(patch.safeParse({ description: text }))).toEqual(['description']);
        },
      ),
    );
  });

  it('refuses an unpaired surrogate, high or low, anywhere', () => {
    for (const lone of ['\ud800', '\udbff', '\udc00', '\udfff']) {
      expect(fieldOf(create.safeParse({ ...valid, name: `a${lone}b` }))).toEqual(['name']);
      expect(fieldOf(patch.safeParse({ description: `${lone}text` }))).toEqual(['description']);
    }
    // A pair is one character, accepted.
    expect(create.parse({ ...valid, name: 'a😀b' }).name).toBe('a😀b');
  });

  it(`accepts up to ${MAX_STACKED_MARKS} combining marks on one character and refuses more`, () => {
    const marks = (count: number) => `e${'\u0301\u0323\u0308\u0304\u030c\u0306'.slice(0, count)}`;
    expect(create.parse({ ...valid, name: `Caf${marks(MAX_STACKED_MARKS)}` }).name).toBe(
      `Caf${marks(MAX_STACKED_MARKS)}`,
    );
    expect(fieldOf(create.safeParse({ ...valid, name: `Caf${marks(MAX_STACKED_MARKS + 1)}` }))).toEqual([
      'name',
    ]);
    expect(fieldOf(patch.safeParse({ description: `x${marks(MAX_STACKED_MARKS + 1)}` }))).toEqual([
      'description',
    ]);
  });
});

describe('one reason per field', () => {
  /** Strings of every kind of character the rules look at, short and over-long, so several rules break at once. */
  const hostileText = fc
    .array(
      fc.constantFrom(...INVISIBLE, ...SPACES, ...CONTROLS, '\u0301', '\u0300', '\ud800', '\udc00', 'a', 'Ж'),
      { minLength: 1, maxLength: 40 },
    )
    .map((parts) => parts.join(''))
    // Repeated past the length limits too, which zod checks alongside the character rules.
    .chain((text) => fc.constantFrom(text, text.repeat(30)));

  it('a name or a description that breaks several rules gets one issue, naming the field (property)', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        for (const field of ['name', 'description'] as const) {
          for (const parsed of [
            create.safeParse({ ...valid, [field]: text }),
            patch.safeParse({ [field]: text }),
          ]) {
            if (parsed.success) continue;
            expect(toFieldIssues(parsed.error).map((issue) => issue.field)).toEqual([field]);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('the counterexample CI found: combining marks and grapheme joiners only', () => {
    const name = '\u0300\u034f\u034f\u0300\u034f';
    expect(fieldOf(create.safeParse({ ...valid, name }))).toEqual(['name']);
    expect(fieldOf(patch.safeParse({ name }))).toEqual(['name']);
  });
});

describe('webhook description', () => {
  it('refuses any control character but tab and line feed, naming the field', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(...CONTROLS), fc.string(), (before, control, after) => {
        const description = `${before}${control}${after}`.slice(0, 500);
        if (!description.includes(control)) return;
        expect(fieldOf(create.safeParse({ ...valid, description }))).toContain('description');
        expect(fieldOf(patch.safeParse({ description }))).toContain('description');
      }),
    );
    expect(create.parse({ ...valid, description: 'line one\n\tline two' }).description).toBe(
      'line one\n\tline two',
    );
  });
});
