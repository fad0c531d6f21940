/**
 * Rules for the free text an admin gives a webhook (docs/contract.md#admin-api): a name must show something a
 * person can read, and a description must not carry control characters that rewrite a terminal,
 * a log viewer or the console's layout.
 */
import * as z from 'zod';

/** The longest name, after trimming (docs/contract.md#admin-api). */
export const MAX_NAME_LENGTH = 100;
/** The longest description (docs/contract.md#admin-api). */
export const MAX_DESCRIPTION_LENGTH = 500;

/**
 * A character that renders as something: not white space, not a control, format (U+200B, U+2060,
 * U+FEFF, bidi controls…), surrogate, private-use or unassigned code point, not a combining mark
 * on its own, and not a default-ignorable one (variation selectors, Hangul fillers…). Property
 * escapes, so the class follows Unicode rather than a hand-kept list.
 */
// U+2800 (Braille pattern blank) is a symbol by category but renders as an empty cell.
const VISIBLE_CHARACTER = /[^\p{White_Space}\p{C}\p{M}\p{Default_Ignorable_Code_Point}\u2800]/u;

/**
 * Every bidi control (Unicode's Bidi_Control property: the embedding, override and isolate controls
 * U+202A–U+202E and U+2066–U+2069, and the marks U+061C, U+200E, U+200F) reorders or re-directs the
 * text around it (a name that displays as another's, "Trojan Source"); tag characters
 * (U+E0000–U+E007F) are invisible and carry hidden text. None belongs in a name or a description.
 */
const DECEPTIVE_FORMAT = /[\p{Bidi_Control}\u{e0000}-\u{e007f}]/u;

/** The message for a text with a bidi control or a tag character. */
const DECEPTIVE_FORMAT_MESSAGE =
  'must not contain bidi controls (U+202A–U+202E, U+2066–U+2069, U+061C, U+200E, U+200F) or tag characters (U+E0000–U+E007F)';

/** True when `text` contains a bidi control or a tag character. */
export function hasDeceptiveFormat(text: string): boolean {
  return DECEPTIVE_FORMAT.test(text);
}

/**
 * A surrogate without its pair is not Unicode text: UTF-8 cannot carry it, so a store, a JSON
 * encoder or a notice would replace or refuse it later instead of the API now.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/** More combining marks on one character than any script needs: text that spills over the lines around it. */
export const MAX_STACKED_MARKS = 4;
const MARK_STACK = new RegExp(`\\p{M}{${MAX_STACKED_MARKS + 1},}`, 'u');

/** The reason `text` is not well-formed, readable Unicode (a lone surrogate, a stack of marks), if it is not. */
export function malformedTextIssue(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'must be well-formed Unicode (no unpaired surrogate)';
  if (MARK_STACK.test(text))
    return `must not stack more than ${MAX_STACKED_MARKS} combining marks on one character`;
  return undefined;
}

/**
 * Control characters (Unicode category Cc: C0, DEL and C1) other than tab and line feed, which a
 * multi-line description may keep. Carriage return is refused: it lets a text overwrite its own line.
 */
const FORBIDDEN_CONTROL = /[^\P{Cc}\t\n]/u;

/** True when `text` contains at least one visible character (see VISIBLE_CHARACTER). */
export function hasVisibleCharacter(text: string): boolean {
  return VISIBLE_CHARACTER.test(text);
}

/** True when `text` contains a control character other than tab and line feed. */
export function hasForbiddenControl(text: string): boolean {
  return FORBIDDEN_CONTROL.test(text);
}

/** A rule of a text field: the reason the text breaks it, or undefined when it does not. */
type TextRule = (text: string) => string | undefined;

/**
 * A refinement that reports the first of `rules` the text breaks, in the order given: a field gets
 * one reason, the first that applies, rather than every rule a hostile string happens to break at once.
 */
function refuseByFirstRule(rules: readonly TextRule[]) {
  return (text: string, context: z.RefinementCtx) => {
    for (const rule of rules) {
      const message = rule(text);
      if (message === undefined) continue;
      context.addIssue({ code: 'custom', message });
      return;
    }
  };
}

/** `message` when `breaks` holds for the text. */
const ruleOf =
  (breaks: (text: string) => boolean, message: string): TextRule =>
  (text) =>
    breaks(text) ? message : undefined;

const NAME_RULES: readonly TextRule[] = [
  ruleOf((name) => /\p{Cc}/u.test(name), 'must not contain control characters'),
  ruleOf(
    (name) => name !== '' && !hasVisibleCharacter(name),
    'must contain a visible character, not only invisible or format characters (e.g. U+200B)',
  ),
  ruleOf(hasDeceptiveFormat, DECEPTIVE_FORMAT_MESSAGE),
  malformedTextIssue,
];

/**
 * A webhook name: trimmed, 1–100 characters, something visible, no control characters, bidi
 * controls, unpaired surrogates or stacks of marks. One issue at most: the first rule broken.
 */
export const webhookNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(MAX_NAME_LENGTH)
  .superRefine(refuseByFirstRule(NAME_RULES));

const DESCRIPTION_RULES: readonly TextRule[] = [
  ruleOf(hasForbiddenControl, 'must not contain control characters (tab and line feed are allowed)'),
  ruleOf(hasDeceptiveFormat, DECEPTIVE_FORMAT_MESSAGE),
  malformedTextIssue,
];

/** A webhook description: 0–500 characters, no control characters but tab and line feed. One issue at most. */
export const webhookDescriptionSchema = z
  .string()
  .max(MAX_DESCRIPTION_LENGTH)
  .superRefine(refuseByFirstRule(DESCRIPTION_RULES));
