/**
 * Removes a webhook's own secret values from text a receiver controls, before anything is stored or
 * logged. A receiver may echo the request back: in its body (a response snippet), in a redirect's
 * Location (the attempt's error), escaped, encoded, cut off. Pattern-based redaction cannot know a
 * token that looks like nothing in particular; this module knows the exact values.
 *
 * How: instead of listing every encoding of every secret as an expression (one compiled pattern per
 * webhook grew to ~0.8 MB for 4 KiB secrets, and with hundreds of webhooks the process ran out of
 * memory), the TEXT is decoded into canonical views and the plain secret values are searched in them:
 *
 * - the text view: percent-encoding (any depth), `+`, JSON and `\xNN`/`\uXXXX` escapes, HTML
 *   entities (`&amp;`, `&#NN;`, `&#xNN;`) decoded, whitespace and invisible characters dropped, case
 *   folded; a secret is found there raw, escaped, URL-encoded, spaced out, upper-cased, or reversed;
 * - the byte view: every run of base64 (either alphabet, padded or not) or hex characters, decoded at
 *   every alignment; a secret is found there at any byte offset inside a larger encoded blob
 *   (`base64(JSON(headers))`, `base64("|" + key)`), and the decoded text is searched again as a text
 *   view (a JSON-escaped secret inside base64).
 *
 * - nested layers: inside decoded bytes (and their escape-decoded text), base64 and hex runs are
 *   opened again, up to MAX_ENCODING_DEPTH layers (`base64(base64("Basic " + base64(user:pass)))`,
 *   `hex(percent(base64(secret)))`), within a budget of decoded characters proportional to the text;
 *   a run that would exceed it is redacted whole rather than examined further.
 *
 * A match is replaced by SCRUBBED (a whole base64/hex run when found inside one); so is text that
 * ends with the beginning of a secret (a snippet cut mid-secret). The work is bounded by the text's
 * length (times the decoding budget) times the number of the webhook's secret values (a handful),
 * whatever their length or the number of webhooks; nothing is compiled or kept per webhook.
 *
 * Use:
 *   const scrub = secretScrubberFor(webhookSecretValues(credentials));
 *   const safe = scrub(untrustedText);
 */
import { authenticationSecretValues } from './auth-kinds/registry';
import type { AttemptOutcome } from './delivery-sender';
import type { AuthenticationInput } from './model';

/** What a secret is replaced with. */
export const SCRUBBED = '[redacted]';

/**
 * Values shorter than this are not scrubbed: replacing every "ab" in a response would destroy it,
 * and two characters give an attacker nothing. Credential rules keep real secrets far longer. It is
 * also the shortest beginning of a secret removed at the end of a cut text.
 */
export const MIN_SCRUBBED_LENGTH = 4;

/** Text in, the same text with every occurrence of the secret values replaced by SCRUBBED. */
export type ScrubText = (text: string) => string;

/** The secret values one webhook sends, as they appear on the wire and in its settings. */
export function webhookSecretValues(credentials: {
  signingSecrets: readonly string[];
  authentication: AuthenticationInput | null;
  secretHeaders?: Readonly<Record<string, string>>;
}): string[] {
  const values: string[] = [];
  for (const secret of credentials.signingSecrets) {
    values.push(secret);
    // The key itself is the base64 after `whsec_`; its bytes are searched in every alphabet too.
    if (secret.startsWith('whsec_')) values.push(secret.slice('whsec_'.length));
  }
  if (credentials.authentication) values.push(...authenticationSecretValues(credentials.authentication));
  // docs/contract.md#secret-headers: a secret custom header's value is a secret like a credential.
  if (credentials.secretHeaders) values.push(...Object.values(credentials.secretHeaders));
  return values;
}

/** Forms a secret may be sent back in; the test suite's oracle of what must never survive. */
export function encodingsOf(value: string): string[] {
  const encoded = Buffer.from(value, 'utf8').toString('base64');
  const forms = [
    value,
    JSON.stringify(value).slice(1, -1),
    value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%20/g, '+'),
    encodeURI(value),
    encodeURIComponent(encodeURIComponent(value)),
    encoded,
    encoded.replace(/=+$/, ''),
    encoded.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
    encodeURIComponent(encoded),
    Buffer.from(value, 'utf8').toString('hex'),
  ];
  return [...new Set(forms)];
}

const MIN_CANONICAL_LENGTH = 2;

/** Text with, for each of its characters, the range of the original text it came from. */
interface View {
  text: string;
  starts: number[];
  ends: number[];
}

const HTML_NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const JSON_SIMPLE: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '', f: '', '/': '/' };
// Whitespace and characters that render as nothing (zero-width, soft hyphen, bidi marks, BOM).
// Control characters too: a receiver echoing UTF-16 text puts a NUL beside every ASCII character of a secret.
const INVISIBLE = /[\s\p{Cc}\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;
const HEX = /^[0-9a-fA-F]+$/;
/** INVISIBLE for each of the first 256 code points (1: invisible), so a view asks no expression for them. */
const INVISIBLE_LATIN1 = Uint8Array.from({ length: 0x100 }, (_, code) =>
  INVISIBLE.test(String.fromCharCode(code)) ? 1 : 0,
);
/** The characters that start an escape of some family (escapeAt): `%`, `\\`, `&`. */
const ESCAPE_START = /[%\\&]/;
const DECODE_PASSES = 3;

function identityView(text: string): View {
  const starts = new Array<number>(text.length);
  const ends = new Array<number>(text.length);
  for (let index = 0; index < text.length; index++) {
    starts[index] = index;
    ends[index] = index + 1;
  }
  return { text, starts, ends };
}

/** Families of escapes a decoding pass reads (bit flags). */
const PERCENT = 1;
const BACKSLASH = 2;
const ENTITY = 4;
/**
 * The families decoded together, then each alone: a secret that itself holds an escape of one family
 * (`%58`, `\\b`) and comes back in another (HTML-escaped) is whole only in a one-family view.
 */
const FAMILY_SETS = [PERCENT | BACKSLASH | ENTITY, PERCENT, BACKSLASH, ENTITY];

/** One escape at `at` of `text` of the `families`: its decoded character and its length, or undefined. */
function escapeAt(
  text: string,
  at: number,
  plusIsSpace: boolean,
  families: number,
): { char: string; length: number } | undefined {
  const char = text[at];
  if (char === '%' && families & PERCENT) {
    const hex = text.slice(at + 1, at + 3);
    if (hex.length === 2 && HEX.test(hex))
      return { char: String.fromCharCode(Number.parseInt(hex, 16)), length: 3 };
  } else if (char === '+' && plusIsSpace && families & PERCENT) {
    return { char: ' ', length: 1 };
  } else if (char === '\\' && families & BACKSLASH) {
    const next = text[at + 1];
    if (next === 'u' || next === 'x') {
      const size = next === 'u' ? 4 : 2;
      const hex = text.slice(at + 2, at + 2 + size);
      if (hex.length === size && HEX.test(hex)) {
        return { char: String.fromCharCode(Number.parseInt(hex, 16)), length: 2 + size };
      }
    } else if (next !== undefined && next in JSON_SIMPLE) {
      return { char: JSON_SIMPLE[next] as string, length: 2 };
    } else if (next === '"' || next === '\\' || next === "'") {
      return { char: next, length: 2 };
    }
  } else if (char === '&' && families & ENTITY) {
    const match = /^&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,6});?/.exec(text.slice(at, at + 12));
    // Without its `;` an entity may be one a cut ended early (`&#6` of `&#65;`): left as it is.
    const isComplete = match?.[0].endsWith(';') || (match !== null && at + match[0].length < text.length);
    if (match?.[1] && isComplete) {
      const body = match[1];
      let code: number | undefined;
      if (body.startsWith('#x') || body.startsWith('#X')) code = Number.parseInt(body.slice(2), 16);
      else if (body.startsWith('#')) code = Number.parseInt(body.slice(1), 10);
      const decoded =
        code !== undefined
          ? code <= 0x10ffff
            ? String.fromCodePoint(code)
            : undefined
          : HTML_NAMED[body.toLowerCase()];
      if (decoded !== undefined) return { char: decoded, length: match[0].length };
    }
  }
  return undefined;
}

/** Whether `text` holds at least one escape of the `families` (escapeAt), looking only where one may start. */
function holdsEscape(text: string, plusIsSpace: boolean, families: number): boolean {
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    // `%`, `+`, `\\`, `&`: the only characters an escape begins with.
    if (
      (code === 0x25 || code === 0x2b || code === 0x5c || code === 0x26) &&
      escapeAt(text, at, plusIsSpace, families)
    )
      return true;
  }
  return false;
}

/** Decodes escapes once over a view, keeping each character's original range. */
function decodeOnce(view: View, plusIsSpace: boolean, families: number): View {
  // Most texts hold no escape at all: the view is its own decoding, and nothing is copied.
  if (!holdsEscape(view.text, plusIsSpace, families)) return view;
  const chars: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const { text } = view;
  for (let at = 0; at < text.length; ) {
    const found = escapeAt(text, at, plusIsSpace, families);
    const length = found?.length ?? 1;
    const start = view.starts[at] as number;
    const end = view.ends[at + length - 1] as number;
    // A decoded character may be several UTF-16 units (a code point beyond the BMP): each keeps the range.
    for (const unit of found ? found.char.split('') : [text[at] as string]) {
      chars.push(unit);
      starts.push(start);
      ends.push(end);
    }
    at += length;
  }
  return { text: chars.join(''), starts, ends };
}

/**
 * The view after each decoding pass, until nothing changes, at most DECODE_PASSES (double encoding).
 * Each is searched: a secret that itself looks like an escape (`%9C`) is whole after one pass only.
 */
function decodingPasses(
  view: View,
  plusIsSpace: boolean,
  families = PERCENT | BACKSLASH | ENTITY,
  backslashNests = false,
): View[] {
  const passes: View[] = [];
  let current = view;
  for (let pass = 0; pass < DECODE_PASSES; pass++) {
    // Percent-encoding and entities nest (`%2541`, `&amp;#65;`); a backslash decoded from `\\\\`
    // is text, not the start of another escape, unless the view is the one of stacked escapes
    // (`%5Cu0041`: JSON escapes percent-encoded), which reads backslashes in every pass.
    const next = decodeOnce(
      current,
      plusIsSpace,
      pass === 0 || backslashNests ? families : families & ~BACKSLASH,
    );
    if (next.text === current.text) break;
    passes.push(next);
    current = next;
  }
  return passes;
}

/** The fully decoded view (the last pass, stacked escapes read): where encoded runs are looked for. */
function decoded(view: View, plusIsSpace: boolean): View {
  return decodingPasses(view, plusIsSpace, PERCENT | BACKSLASH | ENTITY, true).at(-1) ?? view;
}

/** The text views: each decoding pass of each FAMILY_SETS, without whitespace, `+` or invisible characters, case folded. */
function textViews(view: View): View[] {
  return [
    ...FAMILY_SETS.flatMap((families) => decodingPasses(view, true, families)),
    ...decodingPasses(view, true, PERCENT | BACKSLASH | ENTITY, true),
  ].map(plainView);
}

/** The secret values of a scrubber, prepared once per call of `secretScrubberFor`. */
interface Needles {
  /** The values folded, without whitespace, and their reverses: for the text and plain views. */
  texts: string[];
  /**
   * A value without the first characters a stray escape start before it would eat (`%` + `Be…` read
   * as `%Be`), folded: it counts only right after an escape whose text ends with those characters,
   * so a value's tail met after other text (`Bearer …` less `Bea`, in `before R …`) is no match.
   */
  afterEscape: { text: string; eaten: string }[];
  bytes: Buffer[];
}

/** The view without decoding (a secret may itself contain `&#0` or `%41`): folded, no whitespace or `+`. */
function plainView(view: View): View {
  const chars: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (let index = 0; index < view.text.length; index++) {
    const char = view.text[index] as string;
    const code = char.charCodeAt(0);
    // The class is looked up for the first 256 code points (text, and every decoded layer read as
    // latin1: the costly part of a view). `+` too is dropped: the text view reads it as a space (form
    // encoding), so both views and needles drop it.
    if (char === '+' || (code < 0x100 ? INVISIBLE_LATIN1[code] === 1 : INVISIBLE.test(char))) continue;
    chars.push(char.toLowerCase());
    starts.push(view.starts[index] as number);
    ends.push(view.ends[index] as number);
  }
  return { text: chars.join(''), starts, ends };
}

/** Beginnings of a secret that complete an escape a stray character before it starts (`%`, `\\`, `\\u`, `\\x`). */
const ESCAPE_COMPLETION = /^[ux]?[0-9a-fA-F]{0,4}$/;
const SIMPLE_ESCAPE = /^[ntrbf/"'\\]$/;

function needlesOf(secretValues: readonly string[]): Needles {
  const texts = new Set<string>();
  const afterEscape = new Map<string, { text: string; eaten: string }>();
  const bytes = new Map<string, Buffer>();
  const addText = (value: string) => {
    // The value as it is, folded and without whitespace: the text view decodes the TEXT, never the
    // secret (a secret may itself hold `\\b` or `%41`). The plain view finds it raw in such cases.
    const raw = plainView(identityView(value)).text;
    if (raw.length >= MIN_CANONICAL_LENGTH) {
      texts.add(raw);
      texts.add([...raw].reverse().join(''));
    }
  };
  const addBytes = (buffer: Buffer) => {
    if (buffer.length >= MIN_SCRUBBED_LENGTH - 1) bytes.set(buffer.toString('hex'), buffer);
  };
  for (const value of secretValues) {
    if (value.length < MIN_SCRUBBED_LENGTH) continue;
    addText(value);
    // A stray `%`, `\\`, `\\u` or `\\x` just before a secret that begins like the rest of an escape
    // (`%` + `a0…`) is decoded together with the secret's first characters: the rest is searched too.
    // However short that rest: it counts only right after an escape ending with the eaten characters.
    for (let eaten = 1; eaten <= 5 && value.length - eaten >= MIN_CANONICAL_LENGTH; eaten++) {
      const start = value.slice(0, eaten);
      if (!ESCAPE_COMPLETION.test(start) && !(eaten === 1 && SIMPLE_ESCAPE.test(start))) continue;
      const text = plainView(identityView(value.slice(eaten))).text;
      if (text.length >= MIN_CANONICAL_LENGTH)
        afterEscape.set(`${start}\n${text}`, { text, eaten: start.toLowerCase() });
    }
    addBytes(Buffer.from(value, 'utf8'));
    // UTF-16 in either byte order, as a receiver on another platform may echo the header before
    // encoding it (base64 of UTF-16LE); its text form is the secret with NULs between, which the
    // views drop as control characters.
    const utf16le = Buffer.from(value, 'utf16le');
    addBytes(utf16le);
    addBytes(Buffer.from(utf16le).swap16());
    // A signing key: its bytes and its text in every alphabet a receiver holding it may print
    // (base64, base64url, unpadded, hex), so that one more encoding around them is caught too.
    const keyText = value.startsWith('whsec_') ? value.slice('whsec_'.length) : value;
    if (/^[A-Za-z0-9+/]{16,}={0,2}$/.test(keyText)) {
      const key = Buffer.from(keyText, 'base64');
      addBytes(key);
      addText(key.toString('base64').replace(/=+$/, ''));
      addText(key.toString('base64url'));
      addText(key.toString('hex'));
    }
  }
  return { texts: [...texts], afterEscape: [...afterEscape.values()], bytes: [...bytes.values()] };
}

type Range = [start: number, end: number];

/** The beginning of an escape that a cut left unfinished. */
const PARTIAL_ESCAPE_AT_END =
  /(%[0-9a-f]?|\\(u[0-9a-f]{0,3}|x[0-9a-f]?)?|&(#x?[0-9a-f]{0,6}|a|am|amp|l|lt|g|gt|q|qu|quo|quot|ap|apo|apos|n|nb|nbs|nbsp)?)$/;

/** Start of the longest tail of `haystack` (at least `minimum` long) that begins `needle`, or -1. */
function tailStartingNeedle(haystack: string, needle: string, minimum: number): number {
  const first = needle[0];
  if (first === undefined) return -1;
  for (let at = haystack.indexOf(first, Math.max(0, haystack.length - needle.length + 1)); at >= 0; ) {
    if (haystack.length - at < minimum) return -1;
    if (needle.startsWith(haystack.slice(at))) return at;
    at = haystack.indexOf(first, at + 1);
  }
  return -1;
}

/** How far before the characters it ate an escape may start (`%` + `0`, `\\u` + `00`, `&#x` + `4`, `%25` + `30`). */
const ESCAPE_REACH = 8;

/**
 * Where, in `original`, the escape starts that ate `eaten` just before offset `start` (the first
 * character of a value's tail): `eaten` itself must be right there, with an escape start (`%`, `\\`,
 * `&`) a few characters before it; -1 otherwise. Looked for in the original text, not in a view: a
 * view may have dropped the escape's decoded character (a NUL, a form feed) along with white space.
 */
function eatingEscapeAt(original: string, start: number, eaten: string): number {
  const eatenAt = start - eaten.length;
  if (eatenAt < 1 || original.slice(eatenAt, start).toLowerCase() !== eaten) return -1;
  const escapeAt = Math.max(
    original.lastIndexOf('%', eatenAt - 1),
    original.lastIndexOf('\\', eatenAt - 1),
    original.lastIndexOf('&', eatenAt - 1),
  );
  return escapeAt >= 0 && eatenAt - escapeAt <= ESCAPE_REACH ? escapeAt : -1;
}

/**
 * Ranges of `view`'s original text holding a text needle (whole, or its beginning at the end); a
 * tail of `needles.afterEscape` only right after an escape that ate its value's first characters,
 * and then from that escape on.
 */
function textMatches(view: View, original: string, needles: Needles, isCut: boolean): Range[] {
  const ranges: Range[] = [];
  // A cut may also fall inside an escape (`&#x4`, `%2`, `\\u00`): its start decodes to nothing yet.
  const whole = isCut ? view.text.replace(PARTIAL_ESCAPE_AT_END, '') : '';
  const push = (from: number, to: number, eaten: string | undefined) => {
    const start = view.starts[from] as number;
    const escapeAt = eaten === undefined ? start : eatingEscapeAt(original, start, eaten);
    if (escapeAt >= 0) ranges.push([escapeAt, view.ends[to - 1] as number]);
  };
  const candidates: { text: string; eaten?: string }[] = [
    ...needles.texts.map((text) => ({ text })),
    ...needles.afterEscape,
  ];
  for (const { text: needle, eaten } of candidates) {
    for (let at = view.text.indexOf(needle); at >= 0; at = view.text.indexOf(needle, at + 1)) {
      push(at, at + needle.length, eaten);
    }
    if (isCut) {
      // The text as it is too: what looks like a cut escape (`&#8`) may be the secret's own characters.
      for (const haystack of whole === view.text ? [whole] : [view.text, whole]) {
        const tail = tailStartingNeedle(haystack, needle, Math.min(MIN_SCRUBBED_LENGTH, needle.length - 1));
        if (tail < 0 || haystack.length - tail < MIN_CANONICAL_LENGTH) continue;
        push(tail, view.text.length, eaten);
        break;
      }
    }
  }
  return ranges;
}

/** Whether `view` holds a text needle anywhere (textMatches without the cut), as layerHoldsSecret asks. */
function viewHoldsNeedle(view: View, original: string, needles: Needles): boolean {
  if (needles.texts.some((needle) => view.text.includes(needle))) return true;
  return needles.afterEscape.some(({ text, eaten }) => {
    for (let at = view.text.indexOf(text); at >= 0; at = view.text.indexOf(text, at + 1)) {
      if (eatingEscapeAt(original, view.starts[at] as number, eaten) >= 0) return true;
    }
    return false;
  });
}

/** Whether decoded bytes hold a byte needle, or end with one's beginning (3 bytes or more). */
function bytesHoldSecret(decodedBytes: Buffer, needles: readonly Buffer[], isCut: boolean): boolean {
  for (const needle of needles) {
    if (decodedBytes.indexOf(needle) >= 0) return true;
    if (isCut) {
      const first = needle[0] as number;
      const from = Math.max(0, decodedBytes.length - needle.length + 1);
      for (let at = decodedBytes.indexOf(first, from); at >= 0; at = decodedBytes.indexOf(first, at + 1)) {
        const length = decodedBytes.length - at;
        if (length < MIN_SCRUBBED_LENGTH - 1) break;
        if (decodedBytes.subarray(at).equals(needle.subarray(0, length))) return true;
      }
    }
  }
  return false;
}

/**
 * A base64 run, across line breaks too: MIME wraps base64 at 76 characters and PEM at 64, with CRLF
 * or LF, and a break may fall inside the secret. Only line breaks: a run across spaces would join
 * the words of any prose into one long run.
 */
const BASE64_RUN = /[A-Za-z0-9+/_-]{4,}(?:\r?\n[A-Za-z0-9+/_-]+)*={0,2}/g;
const HEX_RUN = /[0-9a-fA-F]{6,}/g;
/**
 * Hex bytes split by spaces or colons (`42 65 61`, `42:65:61`, `xxd`'s `4265 6172`): a dump's bytes,
 * and the half of a pair a cut may have left at its end.
 */
const HEX_DUMP_RUN = /[0-9a-fA-F]{2}(?:[ :]?[0-9a-fA-F]{2}){3,}(?:[ :]?[0-9a-fA-F])?/g;
const HEX_DUMP_SEPARATOR = /[ :]/;

/**
 * Encoded layers are opened inside one another up to this depth (`base64(base64("Basic " +
 * base64(user:pass)))` is three), within a budget of decoded characters proportional to the text.
 */
export const MAX_ENCODING_DEPTH = 3;
/** Decoded characters one call may examine, per character of its text (plus a floor for short texts). */
const DECODE_BUDGET_PER_CHAR = 64;
const DECODE_BUDGET_FLOOR = 16 * 1024;

/** Decodes a base64 run in either alphabet; Node's decoder skips the line breaks of a wrapped one itself. */
const decodeBase64Run = (text: string): Buffer => Buffer.from(text, 'base64');
const decodeHexRun = (text: string): Buffer =>
  Buffer.from(text.slice(0, text.length - (text.length % 2)), 'hex');

function isLatin1(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 0xff) return false;
  return true;
}

/** What is left to decode in one call; when it runs out, the run being examined counts as holding a secret. */
interface Budget {
  left: number;
}

class BudgetExhausted extends Error {}

/** One base64 or hex run of a text, and how to decode a string of its alphabet at every alignment. */
interface EncodedRun {
  run: RegExpExecArray;
  /** The run's alphabet (base64's takes either alphabet; hex digits belong to both). */
  alphabet: RegExp;
  /** The bytes `text` would carry if the encoding began at each of its characters (4 for base64, 2 for hex). */
  decodingsOf: (text: string) => Generator<Buffer>;
  /** `decodingsOf` the run itself. */
  decodings: () => Generator<Buffer>;
}

const BASE64_ALPHABET = /^[A-Za-z0-9+/_-]+$/;
const HEX_ALPHABET = /^[0-9a-fA-F]+$/;

/** The base64 and hex runs of `text`, each with its decodings at every alignment. */
function* encodedRuns(text: string): Generator<EncodedRun> {
  const base64 = function* (run: string) {
    for (let alignment = 0; alignment < 4; alignment++) yield decodeBase64Run(run.slice(alignment));
  };
  const hex = function* (run: string) {
    for (let alignment = 0; alignment < 2; alignment++) yield decodeHexRun(run.slice(alignment));
  };
  for (const run of text.matchAll(BASE64_RUN)) {
    yield { run, alphabet: BASE64_ALPHABET, decodingsOf: base64, decodings: () => base64(run[0]) };
  }
  for (const run of text.matchAll(HEX_RUN)) {
    yield { run, alphabet: HEX_ALPHABET, decodingsOf: hex, decodings: () => hex(run[0]) };
  }
  // A dump's pairs are its bytes: one alignment, the separators dropped. Unbroken hex is a HEX_RUN above.
  const dump = function* (run: string) {
    yield Buffer.from(run.replace(/[ :]/g, ''), 'hex');
  };
  for (const run of text.matchAll(HEX_DUMP_RUN)) {
    if (!HEX_DUMP_SEPARATOR.test(run[0])) continue;
    yield { run, alphabet: HEX_ALPHABET, decodingsOf: dump, decodings: () => dump(run[0]) };
  }
}

/**
 * Whether a run ending at `end` ends `text`, but for white space and a dump's separators after it (a
 * cut that fell after `61 ` of a hex dump, or after a line break): then the cut may be inside the secret.
 */
function endsTheText(text: string, end: number): boolean {
  for (let at = end; at < text.length; at++) {
    const char = text[at] as string;
    if (char !== ':' && !/\s/.test(char)) return false;
  }
  return true;
}

/** The readings of a run (`runReadings`) and where, in the original text, redacting it starts. */
interface RunReadings {
  readings: string[];
  originalStart: number;
}

/**
 * The run as found, then with the characters a stray escape start ate put back. A stray escape start
 * (`%`, `\\`, `\\u00`, `&#`) just before an encoded secret is decoded together with the secret's first
 * characters (`%0` + `a…` read as `%0a`, `%` + `62…` as `b`, `\\` + `f…` as a form feed, which the
 * decoding drops): the escape's last 1, 2, … characters that are of the run's alphabet may be the
 * run's own. The escape sits either just before the run (its character, if any, is not of the
 * alphabet and ends the run there) or inside it, as the first escape the run holds (its character is
 * of the alphabet, `%62` → `b`, and joins the run): the reading starts with the escape's tail and goes
 * on after it. Each reading is decoded at every alignment, so the secret is found at any byte offset
 * whatever escape-like text comes before it. Redacting starts at the escape before the run, if any:
 * a little more than the secret is safe, leaving its first characters is not.
 */
function runReadings(view: View, original: string, encoded: EncodedRun): RunReadings {
  const { run } = encoded;
  const readings = [run[0]];
  const withEatenTail = (escapeText: string, rest: string) => {
    for (let eaten = 1; eaten < escapeText.length; eaten++) {
      const tail = escapeText.slice(-eaten);
      if (!encoded.alphabet.test(tail)) break;
      readings.push(tail + rest);
    }
  };
  /** The escape text between view characters `at - 1` and `at`: one that decoded to nothing, or `at - 1`'s own. */
  const escapeBefore = (at: number): [start: number, end: number] | undefined => {
    const start = at > 0 ? (view.ends[at - 1] as number) : 0;
    const end = view.starts[at] as number;
    if (end > start) return [start, end];
    if (at > 0 && end - (view.starts[at - 1] as number) > 1) return [view.starts[at - 1] as number, end];
    return undefined;
  };
  const before = escapeBefore(run.index);
  if (before) withEatenTail(original.slice(...before), run[0]);
  // Or the first escape inside the run (its character is of the alphabet and joined the run).
  const runEnd = run.index + run[0].length;
  for (let at = run.index + 1; at < runEnd; at++) {
    const inside = escapeBefore(at);
    if (!inside) continue;
    withEatenTail(original.slice(...inside), run[0].slice(at - run.index));
    break;
  }
  return { readings, originalStart: before ? before[0] : (view.starts[run.index] as number) };
}

/**
 * Whether decoded bytes carry a secret: as bytes, in any text view of them (escapes decoded), or,
 * `depth` permitting, in a base64 or hex run inside them or inside their escapeText-decoded text, opened
 * the same way (a stack of encodings: base64 of percent of hex of the secret...). `isCut`: the bytes
 * end where the text was cut, so a secret's beginning at their end counts.
 */
function layerHoldsSecret(
  bytes: Buffer,
  needles: Needles,
  isCut: boolean,
  depth: number,
  budget: Budget,
): boolean {
  budget.left -= bytes.length;
  if (budget.left < 0) throw new BudgetExhausted();
  if (bytesHoldSecret(bytes, needles.bytes, isCut)) return true;
  const asText = identityView(bytes.toString('latin1'));
  const views = [plainView(asText), ...textViews(asText)];
  if (views.some((view) => viewHoldsNeedle(view, asText.text, needles))) return true;
  if (depth >= MAX_ENCODING_DEPTH) return false;
  // The next layer: runs in the bytes as they are, and in their escape-decoded text (percent, `\u`,
  // entities), whose characters are bytes again when they are all below 256.
  const unescaped = decoded(asText, false);
  const layers = [asText];
  if (unescaped.text !== asText.text && isLatin1(unescaped.text)) layers.push(unescaped);
  for (const layer of layers) {
    for (const encoded of encodedRuns(layer.text)) {
      const { run } = encoded;
      const runIsCut = isCut && endsTheText(layer.text, run.index + run[0].length);
      // In the escape-decoded layer, a stray escape start may have eaten the run's first characters.
      for (const reading of runReadings(layer, asText.text, encoded).readings) {
        for (const inner of encoded.decodingsOf(reading)) {
          if (layerHoldsSecret(inner, needles, runIsCut, depth + 1, budget)) return true;
        }
      }
    }
  }
  return false;
}

/**
 * Ranges of the original text of base64 or hex runs that decode (at any alignment, through up to
 * MAX_ENCODING_DEPTH layers) to a secret. A run whose examination would exceed the call's budget is
 * redacted whole: a receiver that nests encodings to make scrubbing expensive loses its snippet,
 * never the service its time (docs/contract.md#limits).
 */
function encodedMatches(view: View, needles: Needles, isCut: boolean, original: string): Range[] {
  const ranges: Range[] = [];
  const budget: Budget = { left: DECODE_BUDGET_FLOOR + DECODE_BUDGET_PER_CHAR * view.text.length };
  for (const encoded of encodedRuns(view.text)) {
    const { run } = encoded;
    const runEnd = run.index + run[0].length;
    const runIsCut = isCut && endsTheText(view.text, runEnd);
    const { readings, originalStart } = runReadings(view, original, encoded);
    let holds = false;
    try {
      search: for (const reading of readings) {
        for (const bytes of encoded.decodingsOf(reading)) {
          if (layerHoldsSecret(bytes, needles, runIsCut, 1, budget)) {
            holds = true;
            break search;
          }
        }
      }
    } catch (error) {
      if (!(error instanceof BudgetExhausted)) throw error;
      holds = true;
    }
    if (holds) ranges.push([originalStart, view.ends[runEnd - 1] as number]);
  }
  return ranges;
}

function redact(text: string, ranges: Range[]): string {
  if (ranges.length === 0) return text;
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const parts: string[] = [];
  let at = 0;
  let open: Range | undefined;
  for (const range of sorted) {
    if (open && range[0] <= open[1]) {
      open[1] = Math.max(open[1], range[1]);
      continue;
    }
    if (open) {
      parts.push(text.slice(at, open[0]), SCRUBBED);
      at = open[1];
    }
    open = [range[0], range[1]];
  }
  if (open) parts.push(text.slice(at, open[0]), SCRUBBED, text.slice(open[1]));
  else parts.push(text.slice(at));
  return parts.join('');
}

/**
 * A function that replaces every occurrence of the given secret values (raw or in any form the
 * module comment lists) with SCRUBBED, and a secret's beginning where the text ends (the text may be
 * a cut: a response's first bytes). Values under MIN_SCRUBBED_LENGTH are skipped; with nothing to
 * scrub the function returns its input unchanged. Building it costs the length of the values, and
 * each call the text's length times their number: nothing is compiled.
 */
export function secretScrubberFor(secretValues: readonly string[]): ScrubText {
  const needles = needlesOf(secretValues);
  if (needles.texts.length === 0 && needles.afterEscape.length === 0 && needles.bytes.length === 0) {
    return (text) => text;
  }
  return (text) => {
    if (text.length === 0) return text;
    const original = identityView(text);
    // Without an escape start, every decoding pass can change only `+` into a space, which the plain
    // view drops as it drops `+`: each text view would be the plain view again, and the decoded text
    // the text itself. Header values and most answers are such text; they skip the passes.
    if (!ESCAPE_START.test(text)) {
      return redact(text, [
        ...textMatches(plainView(original), text, needles, true),
        ...encodedMatches(original, needles, true, text),
      ]);
    }
    const unescaped = decoded(original, false);
    const ranges = [
      ...textViews(original).flatMap((view) => textMatches(view, text, needles, true)),
      ...textMatches(plainView(original), text, needles, true),
      ...encodedMatches(unescaped, needles, true, text),
    ];
    // A stray escape start just before a run (`%0` + `aCEh…`) eats its first characters when decoded
    // (runReadings puts them back); the runs of the text as it is are opened too.
    const undecoded = unescaped.text === text ? [] : encodedMatches(original, needles, true, text);
    ranges.push(...undecoded);
    return redact(text, ranges);
  };
}

/** The scrubber of one webhook's credentials (`webhookSecretValues`). */
export function scrubberForCredentials(credentials: {
  signingSecrets: readonly string[];
  authentication: AuthenticationInput | null;
  secretHeaders?: Readonly<Record<string, string>>;
}): ScrubText {
  return secretScrubberFor(webhookSecretValues(credentials));
}

/** Bounds of a remembering scrubber's memory (see `rememberingScrubber`). */
export interface ScrubMemoryLimits {
  /** Texts remembered at most. */
  entries: number;
  /** Characters remembered at most, texts and answers together; a longer text is scrubbed, never kept. */
  chars: number;
}

/**
 * Enough for every header value one webhook sends (20 custom headers within their 8 KiB, the
 * authentication header, the protocol headers) with room for the per-attempt ones that churn.
 */
export const DEFAULT_SCRUB_MEMORY: ScrubMemoryLimits = { entries: 64, chars: 64 * 1024 };

/**
 * `scrub` that remembers its answers, least recently used first out, within `limits`. A webhook's
 * custom header values are the same on every delivery, and scrubbing one is the costliest per-delivery
 * step for large values (every alignment of every base64 run decoded, up to the decoding budget:
 * ~1.5 ms for a 400-character random value, ~36 ms for a webhook with 20 of them). Remembered, each
 * value is scrubbed once per webhook's credentials instead of once per delivery
 * (docs/contract.md#limits: bounded per-delivery work). `scrub` must be pure; the answer is the same.
 */
export function rememberingScrubber(
  scrub: ScrubText,
  limits: ScrubMemoryLimits = DEFAULT_SCRUB_MEMORY,
): ScrubText {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const memory = new Map<string, string>();
  let chars = 0;
  return (text) => {
    const known = memory.get(text);
    if (known !== undefined) {
      memory.delete(text);
      memory.set(text, known);
      return known;
    }
    const answer = scrub(text);
    const size = text.length + answer.length;
    if (size > limits.chars || limits.entries < 1) return answer;
    memory.set(text, answer);
    chars += size;
    for (const [oldest, oldAnswer] of memory) {
      if (memory.size <= limits.entries && chars <= limits.chars) break;
      memory.delete(oldest);
      chars -= oldest.length + oldAnswer.length;
    }
    return answer;
  };
}

/** The outcome with its receiver-controlled text (error, response snippet) scrubbed. */
export function scrubAttemptOutcome(outcome: AttemptOutcome, scrub: ScrubText): AttemptOutcome {
  const scrubbed: AttemptOutcome = { ...outcome };
  if (outcome.error !== undefined) scrubbed.error = scrub(outcome.error);
  if (outcome.responseSnippet !== undefined) scrubbed.responseSnippet = scrub(outcome.responseSnippet);
  return scrubbed;
}
