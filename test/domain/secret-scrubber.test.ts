import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { AuthenticationInput } from '#domain/model';
import {
  encodingsOf,
  MIN_SCRUBBED_LENGTH,
  rememberingScrubber,
  SCRUBBED,
  scrubAttemptOutcome,
  secretScrubberFor,
  webhookSecretValues,
} from '#domain/secret-scrubber';
import { generateSigningSecret } from '#domain/signing';

/** Credential values as the API accepts them: visible ASCII and space, no surrounding space. */
const credentialValue = fc
  .string({
    unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'),
    minLength: 8,
    maxLength: 40,
  })
  .map((value) => value.trim())
  .filter((value) => value.length >= 8);

const authentication: fc.Arbitrary<AuthenticationInput> = fc.oneof(
  fc.record({
    type: fc.constant('basic' as const),
    username: fc.stringMatching(/^[a-z]{1,10}$/),
    password: credentialValue,
  }),
  fc.record({ type: fc.constant('bearer' as const), token: credentialValue }),
  fc.record({
    type: fc.constant('api_key' as const),
    headerName: fc.constant('x-api-key'),
    value: credentialValue,
  }),
);

/** Ways a receiver hands a value back: as is, in JSON, in a redirect Location, in headers it echoes. */
const echoes: ((value: string) => string)[] = [
  (value) => value,
  (value) => JSON.stringify({ headers: { authorization: value } }),
  (value) => `redirect not followed: 302 to https://evil.example/?h=${encodeURIComponent(value)}`,
  (value) => `https://evil.example/?h=${encodeURIComponent(value).replace(/%20/g, '+')}`,
  (value) => Buffer.from(value).toString('base64'),
  (value) => Buffer.from(value).toString('base64url'),
  (value) => encodeURIComponent(value).toLowerCase(),
  (value) =>
    `<p>${value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}</p>`,
];

/** Everything an attacker-controlled receiver could send back that carries the secret. */
function wireForms(auth: AuthenticationInput, signingSecret: string): string[] {
  const forms = [signingSecret, signingSecret.slice('whsec_'.length)];
  if (auth.type === 'basic') {
    const pair = `${auth.username}:${auth.password}`;
    forms.push(auth.password, pair, `Basic ${Buffer.from(pair).toString('base64')}`);
  }
  if (auth.type === 'bearer') forms.push(auth.token, `Bearer ${auth.token}`);
  if (auth.type === 'api_key') forms.push(auth.value);
  return forms;
}

describe('secretScrubberFor', () => {
  it('leaves no secret value in any echoed encoding, and keeps the text around it', () => {
    fc.assert(
      fc.property(
        authentication,
        fc.constantFrom(...echoes),
        fc.string({ maxLength: 20 }),
        fc.nat(),
        (auth, echo, padding, pick) => {
          const signingSecret = generateSigningSecret();
          const scrub = secretScrubberFor(
            webhookSecretValues({ signingSecrets: [signingSecret], authentication: auth }),
          );
          const forms = wireForms(auth, signingSecret);
          const value = forms[pick % forms.length]!;
          const text = `before ${padding} ${echo(value)} after`;
          const scrubbed = scrub(text);
          for (const form of forms) {
            for (const encoding of encodingsOf(form)) {
              if (encoding.length >= 4) expect(scrubbed.toLowerCase()).not.toContain(encoding.toLowerCase());
            }
          }
          expect(scrubbed).toContain(SCRUBBED);
          expect(scrubbed.startsWith('before ')).toBe(true);
          expect(scrubbed.endsWith(' after')).toBe(true);
        },
      ),
    );
  });

  it('catches the cases of the issue: Bearer%20…, the Basic base64, an api-key value', () => {
    const scrub = secretScrubberFor(
      webhookSecretValues({
        signingSecrets: [],
        authentication: { type: 'basic', username: 'crm', password: 'p:ss w0rd' },
      }),
    );
    const basic = Buffer.from('crm:p:ss w0rd').toString('base64');
    expect(scrub(`{"authorization":"Basic ${basic}"}`)).not.toContain(basic);
    const bearer = secretScrubberFor(
      webhookSecretValues({ signingSecrets: [], authentication: { type: 'bearer', token: 'tok-123456' } }),
    );
    expect(bearer('302 to https://x.example/?a=Bearer%20tok-123456')).toBe(
      `302 to https://x.example/?a=${SCRUBBED}`,
    );
    const apiKey = secretScrubberFor(
      webhookSecretValues({
        signingSecrets: [],
        authentication: { type: 'api_key', headerName: 'x-api-key', value: 'k3y-v4lue' },
      }),
    );
    expect(apiKey('{"x-api-key":"k3y-v4lue"}')).toBe(`{"x-api-key":"${SCRUBBED}"}`);
  });

  it('scrubs the signing key’s bytes in every alphabet a receiver holding it may print: base64url, unpadded, hex', () => {
    fc.assert(
      fc.property(fc.constantFrom(...echoes), (echo) => {
        const signingSecret = generateSigningSecret();
        const key = Buffer.from(signingSecret.slice('whsec_'.length), 'base64');
        const scrub = secretScrubberFor(
          webhookSecretValues({ signingSecrets: [signingSecret], authentication: null }),
        );
        for (const form of [
          key.toString('base64url'),
          `${key.toString('base64url')}=`,
          key.toString('base64').replace(/=+$/, ''),
          key.toString('hex'),
        ]) {
          const scrubbed = scrub(`key ${echo(form)} end`);
          expect(scrubbed).toContain(SCRUBBED);
          expect(scrubbed.toLowerCase()).not.toContain(form.toLowerCase());
        }
      }),
    );
  });

  it('returns text unchanged when there is nothing to scrub, and scrubs an outcome’s error and snippet only', () => {
    const none = secretScrubberFor([]);
    expect(none('Bearer abc')).toBe('Bearer abc');
    const scrub = secretScrubberFor(['s3cret-value']);
    expect(
      scrubAttemptOutcome(
        {
          isSuccess: false,
          statusCode: 302,
          durationMs: 4,
          error: 'to ?q=s3cret-value',
          responseSnippet: 's3cret-value',
        },
        scrub,
      ),
    ).toEqual({
      isSuccess: false,
      statusCode: 302,
      durationMs: 4,
      error: `to ?q=${SCRUBBED}`,
      responseSnippet: SCRUBBED,
    });
  });
});

/**
 * Secrets as the API may hold them (visible ASCII, 8–200 characters, or a signing secret) with at most
 * two spaces or `+`: the text view reads both as the separators they usually are (`Bearer+token`), so
 * a "secret" made mostly of them is out of the class this test holds (it is still scrubbed raw).
 */
const anySecret = fc
  .oneof(
    credentialValue,
    fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/='),
      minLength: 16,
      maxLength: 200,
    }),
    fc.constant(null).map(() => generateSigningSecret()),
  )
  .filter((secret) => secret.replace(/[^ +]/g, '').length <= 2);

const hexOf = (text: string) => Buffer.from(text).toString('hex');
const b64 = (text: string) => Buffer.from(text).toString('base64');

/**
 * Each encoding: how the receiver wraps `prefix + secret + suffix`, and the part of the result that
 * carries the secret (what must not survive, even partly, when the text is cut inside it).
 */
const wrappings: Record<
  string,
  (prefix: string, secret: string, suffix: string) => { text: string; carrier: string }
> = {
  raw: (p, s, x) => ({ text: p + s + x, carrier: s }),
  upper: (p, s, x) => ({ text: (p + s + x).toUpperCase(), carrier: s.toUpperCase() }),
  json: (p, s, x) => ({ text: JSON.stringify({ echo: p + s + x }), carrier: JSON.stringify(s).slice(1, -1) }),
  unicodeEscapes: (p, s, x) => {
    const esc = (t: string) =>
      [...t].map((c) => `\\u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    return { text: p + esc(s) + x, carrier: esc(s) };
  },
  decimalEntities: (p, s, x) => {
    const esc = (t: string) => [...t].map((c) => `&#${c.charCodeAt(0)};`).join('');
    return { text: `<p>${p}${esc(s)}${x}</p>`, carrier: esc(s) };
  },
  hexEntities: (p, s, x) => {
    const esc = (t: string) => [...t].map((c) => `&#x${c.charCodeAt(0).toString(16)};`).join('');
    return { text: p + esc(s) + x, carrier: esc(s) };
  },
  percent: (p, s, x) => ({
    text: `https://evil.example/?q=${encodeURIComponent(p + s + x)}`,
    carrier: encodeURIComponent(s),
  }),
  percentTwice: (p, s, x) => ({
    text: `?q=${encodeURIComponent(encodeURIComponent(p + s + x))}`,
    carrier: encodeURIComponent(encodeURIComponent(s)),
  }),
  spaced: (p, s, x) => ({ text: `${p} ${[...s].join(' ')} ${x}`, carrier: [...s].join(' ') }),
  reversed: (p, s, x) => ({ text: [...(p + s + x)].reverse().join(''), carrier: [...s].reverse().join('') }),
  // The whole echo base64-encoded: the secret starts at any byte offset of the blob.
  base64Blob: (p, s, x) => {
    const text = b64(p + s + x);
    const from = Math.floor((Buffer.byteLength(p) * 4) / 3) + 2;
    const to = Math.floor(((Buffer.byteLength(p) + Buffer.byteLength(s)) * 4) / 3) - 2;
    return { text: `data=${text};`, carrier: text.slice(from, Math.max(from, to)) };
  },
  base64urlBlob: (p, s, x) => {
    const text = Buffer.from(p + s + x).toString('base64url');
    const from = Math.floor((Buffer.byteLength(p) * 4) / 3) + 2;
    const to = Math.floor(((Buffer.byteLength(p) + Buffer.byteLength(s)) * 4) / 3) - 2;
    return { text: `(${text})`, carrier: text.slice(from, Math.max(from, to)) };
  },
  hexBlob: (p, s, x) => ({ text: `hex:${hexOf(p + s + x)}.`, carrier: hexOf(s) }),
  // MIME- and PEM-style base64, wrapped (here every 8 characters, CRLF) so that breaks fall inside the secret.
  wrappedBase64Blob: (p, s, x) => {
    const text = b64(p + s + x);
    const from = Math.floor((Buffer.byteLength(p) * 4) / 3) + 2;
    const to = Math.max(from, Math.floor(((Buffer.byteLength(p) + Buffer.byteLength(s)) * 4) / 3) - 2);
    const wrap = (at: number) => at + 2 * Math.floor(at / 8);
    const wrapped = text.replace(/(.{8})/g, '$1\r\n');
    return {
      text: `Content-Transfer-Encoding: base64\r\n\r\n${wrapped}`,
      carrier: wrapped.slice(wrap(from), wrap(to)),
    };
  },
  // A hex dump: the bytes in pairs split by spaces, as `xxd -p -c1` or a debugger prints them.
  hexDumpBlob: (p, s, x) => {
    const dump = (t: string) =>
      [...Buffer.from(t)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
    return { text: `dump: ${dump(p + s + x)} .`, carrier: dump(s) };
  },
  // A receiver that echoes in UTF-16 (either byte order), read back as UTF-8: a NUL beside each character.
  utf16leText: (p, s, x) => ({ text: utf16(p + s + x, 'le'), carrier: utf16(s, 'le') }),
  utf16beText: (p, s, x) => ({ text: utf16(p + s + x, 'be'), carrier: utf16(s, 'be') }),
  // Base64 of the UTF-16LE echo: two bytes a character, at any byte offset of the blob.
  utf16Base64Blob: (p, s, x) => {
    const text = Buffer.from(p + s + x, 'utf16le').toString('base64');
    const from = Math.floor((2 * Buffer.byteLength(p) * 4) / 3) + 2;
    const to = Math.floor((2 * (Buffer.byteLength(p) + Buffer.byteLength(s)) * 4) / 3) - 2;
    return { text: `u16=${text};`, carrier: text.slice(from, Math.max(from, to)) };
  },
};

/** ASCII text as a UTF-16 echo in the given byte order, read back as UTF-8 (as a snippet is). */
function utf16(text: string, order: 'le' | 'be'): string {
  const bytes = Buffer.from(text, 'utf16le');
  return (order === 'be' ? bytes.swap16() : bytes).toString('utf8');
}

/** Text around the echo that shares no long run with a secret's forms. */
const around = fc.string({ unit: fc.constantFrom(...'|:;{}" <>#!\n'), maxLength: 12 });

/** Whether `text` holds any `window`-long piece of `carrier` (case folded). */
function holdsPiece(text: string, carrier: string, window: number): boolean {
  const folded = text.toLowerCase();
  const source = carrier.toLowerCase();
  for (let at = 0; at + window <= source.length; at++) {
    if (folded.includes(source.slice(at, at + window))) return true;
  }
  return false;
}

describe('scrubbing holds at any byte offset, in any wrapping, and before a cut', () => {
  it('leaves no 12-character piece of a secret’s carrier in any wrapping, whole or cut inside the secret (property)', () => {
    fc.assert(
      fc.property(
        anySecret,
        fc.constantFrom(...Object.keys(wrappings)),
        around,
        around,
        fc.option(fc.double({ min: 0.2, max: 0.95, noNaN: true }), { nil: undefined }),
        (secret, wrapping, prefix, suffix, cutAt) => {
          // Text around that shares a character with the secret could share a piece of its carrier.
          fc.pre(![...prefix, ...suffix].some((char) => secret.includes(char)));
          const scrub = secretScrubberFor([secret]);
          const { text, carrier } = wrappings[wrapping]!(prefix, secret, suffix);
          const start = text.indexOf(carrier);
          expect(start).toBeGreaterThanOrEqual(0);
          // A receiver's answer read up to a limit: cut somewhere inside the secret's carrier.
          const input =
            cutAt === undefined ? text : text.slice(0, start + Math.floor(carrier.length * cutAt));
          const scrubbed = scrub(input);
          // Whole, no 12-character piece of the carrier is left; cut, fewer than MIN_SCRUBBED_LENGTH of
          // the secret's characters may stay (in the carrier's own expansion, e.g. 6 per \u00XX).
          const perChar =
            wrapping === 'hexDumpBlob'
              ? 3
              : wrapping.endsWith('Blob')
                ? 2
                : Math.max(...[...secret].map((char) => wrappings[wrapping]!('', char, '').carrier.length));
          const spaces = secret.replace(/[^ +]/g, '').length;
          const window =
            cutAt === undefined ? 12 : Math.max(12, Math.ceil(perChar * (MIN_SCRUBBED_LENGTH + spaces)) + 1);
          expect(holdsPiece(scrubbed, carrier, window)).toBe(false);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('catches a cut secret whose first characters look like a cut escape (`&#8`)', () => {
    // A counterexample of a deeper run: the cut beginning `z&#8` was read as `z` and a cut entity.
    const secret = 'z&#  8=,"(=5';
    expect(secretScrubberFor([secret])('  z & #     8 ')).toBe(`  ${SCRUBBED} `);
  });

  it('catches the findings: base64 of JSON headers at any alignment, base64("|" + key), a token cut at 1 KiB', () => {
    const token = `tok_${'Zx9'.repeat(20)}`;
    const apiKey = 'k3y-of-the-api-0123456789';
    const signing = generateSigningSecret();
    const scrub = secretScrubberFor(
      webhookSecretValues({ signingSecrets: [signing], authentication: { type: 'bearer', token } }),
    );
    for (let pad = 0; pad < 3; pad++) {
      const headers = b64(JSON.stringify({ [`x${'y'.repeat(pad)}`]: 1, authorization: `Bearer ${token}` }));
      expect(scrub(`{"echo":"${headers}"}`)).toBe(`{"echo":"${SCRUBBED}"}`);
    }
    const keyScrub = secretScrubberFor([apiKey]);
    expect(keyScrub(`v=${b64(`|${apiKey}`)}`)).toBe(`v=${SCRUBBED}`);
    const snippet = `${'a'.repeat(1000)} ${token}`.slice(0, 1024);
    expect(scrub(snippet)).toBe(`${'a'.repeat(1000)} ${SCRUBBED}`);
    expect(scrub(`key=${signing.slice(0, 20)}`)).toBe(`key=${SCRUBBED}`);
  });

  it('catches the finding: a secret header value and a bearer token echoed in UTF-16LE, as text and in base64', () => {
    const secretHeader = 'Zq9-SECRETVALUE-abc_123';
    const token = `tok_${'Zx9'.repeat(20)}`;
    const scrub = secretScrubberFor([secretHeader, token]);
    const echo = `{"x-api-secret":"${secretHeader}","authorization":"Bearer ${token}"}`;
    const asText = scrub(`LEAK[${utf16(echo, 'le')}]`);
    expect(asText.replaceAll('\u0000', '')).not.toMatch(/SECRETVALUE|Zx9Zx9/i);
    const asBase64 = scrub(Buffer.from(echo, 'utf16le').toString('base64'));
    expect(asBase64).not.toContain(Buffer.from(secretHeader, 'utf16le').toString('base64').slice(4, 20));
    expect(Buffer.from(asBase64, 'base64').toString('utf16le')).not.toMatch(/SECRETVALUE|Zx9Zx9/i);
  });
});

describe('a stray escape start just before an encoded secret', () => {
  /** Escape starts a receiver's text may hold right before the blob: each decodes together with its first characters. */
  const strays = [
    '%',
    '%0',
    '%a',
    '%F',
    '\\',
    '\\u',
    '\\u0',
    '\\u00',
    '\\x',
    '\\x4',
    '&#',
    '&#1',
    '&#x',
    '&#x4',
  ];
  /** Character-wise encodings of a blob (so the secret's part can be cut out of it). */
  const blobs: Record<
    string,
    { blob: (bytes: Buffer) => string; perChar: (text: string) => string; ratio: number }
  > = {
    urlBase64: { blob: (b) => b.toString('base64'), perChar: encodeURIComponent, ratio: 4 / 3 },
    urlBase64url: { blob: (b) => b.toString('base64url'), perChar: encodeURIComponent, ratio: 4 / 3 },
    base64: { blob: (b) => b.toString('base64'), perChar: (t) => t, ratio: 4 / 3 },
    urlTwiceBase64: {
      blob: (b) => b.toString('base64'),
      perChar: (t) => encodeURIComponent(encodeURIComponent(t)),
      ratio: 4 / 3,
    },
    hex: { blob: (b) => b.toString('hex'), perChar: (t) => t, ratio: 2 },
  };

  it('leaves no piece of the secret whatever the stray escape, the byte offset and the encoding, %2B and %2F included (property)', () => {
    fc.assert(
      fc.property(
        anySecret,
        fc.oneof(
          fc.constantFrom(...strays),
          fc.string({ unit: fc.constantFrom(...'%\\&#xu0a9F'), maxLength: 4 }),
        ),
        fc.uint8Array({ maxLength: 5 }),
        fc.constantFrom(...Object.keys(blobs)),
        around,
        (secret, stray, lead, encoding, suffix) => {
          const { blob, perChar, ratio } = blobs[encoding]!;
          const bytes = Buffer.concat([Buffer.from(lead), Buffer.from(secret)]);
          const encoded = blob(bytes);
          // The blob's characters that carry only the secret's bytes (whole encoding units inside it).
          const from = Math.ceil(lead.length * ratio) + 2;
          const to = Math.floor(bytes.length * ratio) - 2;
          fc.pre(to - from >= 12);
          const carrier = perChar(encoded.slice(from, to));
          const text = `q=${stray}${perChar(encoded.slice(0, from))}${carrier}${perChar(encoded.slice(to))}${suffix}`;
          expect(holdsPiece(secretScrubberFor([secret])(text), carrier, 12)).toBe(false);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('catches the known case: %0 before the URL-encoded base64 of a secret holding %2B and %2F', () => {
    const secret = 'tok_\u00fe\u00ff>?~|secret-value-1234';
    const lead = Buffer.from('|');
    const encoded = encodeURIComponent(Buffer.concat([lead, Buffer.from(secret)]).toString('base64'));
    expect(encoded).toMatch(/%2[BF]/);
    expect(secretScrubberFor([secret])(`q=%0${encoded}&x=1`)).toBe(`q=${SCRUBBED}&x=1`);
  });

  it('catches a stray escape whose character joins the run (%62 → b) or vanishes (\\f)', () => {
    // Counterexamples a longer run of the property found: `%` + the blob's `62` decodes to `b`, a
    // base64 character that starts the run; `\\` + its `f` is a form feed, decoded to nothing.
    const joins = 'a/aa~aaaaaaaaaaaa';
    const joined = Buffer.concat([Buffer.from([235]), Buffer.from(joins)]).toString('base64');
    expect(joined.startsWith('62')).toBe(true);
    expect(secretScrubberFor([joins])(`q=%${encodeURIComponent(joined)}`)).toBe(`q=${SCRUBBED}`);
    const vanishes = '~  y&};_Ya[?';
    const blob = Buffer.from(vanishes).toString('base64');
    expect(blob.startsWith('f')).toBe(true);
    expect(secretScrubberFor([vanishes])(`q=\\${encodeURIComponent(blob)}`)).toBe(`q=${SCRUBBED}`);
  });

  it('counts a value less its first characters only right after the escape that ate them', () => {
    // `Bearer [      <` less `Bea` is `rer[<` once spaces are dropped: met in `before R [      <`
    // it is no echo of the value after a stray escape, and the text before it stays.
    const scrub = secretScrubberFor(
      webhookSecretValues({ signingSecrets: [], authentication: { type: 'bearer', token: '[      <' } }),
    );
    expect(scrub('before R [      < after')).toBe(`before R ${SCRUBBED} after`);
    // After the escape that ate `Be`, the escape goes too: none of the value is left.
    expect(scrub(`q=%${'Bearer [      <'} after`)).toBe(`q=${SCRUBBED} after`);
    // The escape's character may be one the views drop (`%00`, a NUL): the tail still counts.
    const apiKey = secretScrubberFor(['0!!!:']);
    expect(apiKey(`x=%0${encodeURIComponent('0!!!:').replace(/%20/g, '+')}`)).toBe(`x=${SCRUBBED}`);
    // However short the tail (a value of the least length less what the escape ate).
    expect(secretScrubberFor(['0!!{'])(`x=%0${encodeURIComponent('0!!{')}`)).toBe(`x=${SCRUBBED}`);
  });
});

/** Byte-wise encodings a receiver may stack, each with how the byte range [from, to) of its input maps to characters of its output. */
const layerEncodings: Record<
  string,
  { encode: (bytes: Buffer) => string; range: (from: number, to: number) => [number, number] }
> = {
  base64: {
    encode: (bytes) => bytes.toString('base64'),
    range: (from, to) => [Math.floor(from / 3) * 4, Math.ceil(to / 3) * 4],
  },
  base64url: {
    encode: (bytes) => bytes.toString('base64url'),
    range: (from, to) => [Math.floor(from / 3) * 4, Math.ceil(to / 3) * 4],
  },
  hex: { encode: (bytes) => bytes.toString('hex'), range: (from, to) => [2 * from, 2 * to] },
  percent: {
    encode: (bytes) =>
      [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join(''),
    range: (from, to) => [3 * from, 3 * to],
  },
  jsonEscapes: {
    encode: (bytes) => [...bytes].map((byte) => `\\u${byte.toString(16).padStart(4, '0')}`).join(''),
    range: (from, to) => [6 * from, 6 * to],
  },
};

/** Filler bytes around a layer: anything but the starts of escapes (a filler `%` would eat the next layer's first byte). */
const filler = fc
  .uint8Array({ maxLength: 6 })
  .map((bytes) => Buffer.from([...bytes].filter((byte) => ![0x25, 0x5c, 0x26].includes(byte))));

describe('scrubbing opens stacked encodings', () => {
  it('leaves no piece of a secret under a random stack of 1–3 encodings at random byte offsets (property)', () => {
    fc.assert(
      fc.property(
        // Spaces and `+` are dropped where text is compared (form encoding): a secret is its other
        // characters, and a `+` at either end may stay.
        credentialValue.filter((value) => value.replace(/[ +]/g, '').length >= 6 && !/^\+|\+$/.test(value)),
        fc.constantFrom('', 'Basic ', 'Bearer ', 'token=', '|'),
        fc.array(fc.tuple(fc.constantFrom(...Object.keys(layerEncodings)), filler, filler), {
          minLength: 1,
          maxLength: 3,
        }),
        (secret, label, stack) => {
          const scrub = secretScrubberFor([secret]);
          let bytes = Buffer.from(`${label}${secret}`);
          let [from, to] = [label.length, bytes.length];
          for (const [encoding, before, after] of stack) {
            const layer = layerEncodings[encoding]!;
            const text = layer.encode(bytes);
            // (Unpadded base64url ends before a whole quantum.)
            [from, to] = layer.range(from, to).map((at) => Math.min(at, text.length) + before.length) as [
              number,
              number,
            ];
            bytes = Buffer.concat([before, Buffer.from(text, 'latin1'), after]);
          }
          const carrier = bytes.toString('latin1');
          const segment = carrier.slice(from, to);
          const scrubbed = scrub(`response: ${carrier} (end)`);
          // The text around the secret's segment is kept; a piece of the segment that also occurs
          // there (every `\u00` of a label's escapes) proves nothing.
          const outside = `${carrier.slice(0, from)}\n${carrier.slice(to)}`;
          const window = Math.min(16, segment.length);
          for (let at = 0; at + window <= segment.length; at++) {
            const piece = segment.slice(at, at + window);
            if (!outside.includes(piece)) expect(scrubbed).not.toContain(piece);
          }
          expect(scrubbed).toContain('response: ');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('catches the finding: base64(base64("Basic " + base64(user:pass))) in a response body', () => {
    const scrub = secretScrubberFor(
      webhookSecretValues({
        signingSecrets: [],
        authentication: { type: 'basic', username: 'alice', password: 'correct horse battery' },
      }),
    );
    const basic = `Basic ${b64('alice:correct horse battery')}`;
    const echoed = b64(b64(basic));
    expect(scrub(`{"echo":"${echoed}"}`)).toBe(`{"echo":"${SCRUBBED}"}`);
    // Deeper than the stack the scrubber opens, an unrelated blob stays as it is.
    const unrelated = b64(b64(b64('nothing secret here at all')));
    expect(scrub(`{"blob":"${unrelated}"}`)).toBe(`{"blob":"${unrelated}"}`);
  });
});

describe('scrubbing stacked encodings stays bounded', () => {
  it('decodes at most a fixed multiple of the text however a hostile receiver nests encodings', () => {
    const scrub = secretScrubberFor(['a-secret-never-sent-back']);
    let nested = 'QUJD'.repeat(64);
    for (let layer = 0; layer < 6; layer++) nested = `${b64(nested)}%${Buffer.from(nested).toString('hex')}`;
    const hostile = nested.slice(0, 4096);
    // Decoded bytes are counted where the scrubber makes them: Buffer.from of base64 or hex text.
    const from = Buffer.from.bind(Buffer);
    let decodedBytes = 0;
    const spy = vi.spyOn(Buffer, 'from').mockImplementation(((value: string, encoding?: BufferEncoding) => {
      const bytes = from(value, encoding);
      if (encoding === 'base64' || encoding === 'hex') decodedBytes += bytes.length;
      return bytes;
    }) as typeof Buffer.from);
    try {
      scrub(hostile);
    } finally {
      spy.mockRestore();
    }
    expect(decodedBytes).toBeGreaterThan(0);
    expect(decodedBytes).toBeLessThanOrEqual(16 * 1024 + 64 * hostile.length);
  });
});

describe('rememberingScrubber (bounded per-delivery work, docs/contract.md#limits)', () => {
  it('answers exactly as the scrubber it remembers for, whatever the text (property)', () => {
    fc.assert(
      fc.property(
        fc.array(credentialValue, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.string({ maxLength: 30 }), fc.nat(2), fc.nat(echoes.length - 1)), {
          minLength: 1,
          maxLength: 12,
        }),
        (secrets, texts) => {
          const plain = secretScrubberFor(secrets);
          const remembering = rememberingScrubber(secretScrubberFor(secrets), { entries: 4, chars: 400 });
          for (const [prefix, secretIndex, echoIndex] of [...texts, ...texts]) {
            const secret = secrets[secretIndex % secrets.length] as string;
            const text = `${prefix}${(echoes[echoIndex] as (value: string) => string)(secret)}`;
            expect(remembering(text)).toBe(plain(text));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('scrubs each remembered text once, forgets the least recently used past its bounds, and never keeps a text over its size', () => {
    const scrub = vi.fn((text: string) => text.toUpperCase());
    const remembering = rememberingScrubber(scrub, { entries: 2, chars: 60 });
    for (let round = 0; round < 5; round++) {
      remembering('header-one');
      remembering('header-two');
    }
    expect(scrub).toHaveBeenCalledTimes(2);
    remembering('header-one');
    remembering('per-attempt'); // over two entries: header-two, the least recently used, goes
    remembering('header-one');
    expect(scrub).toHaveBeenCalledTimes(3);
    remembering('header-two');
    expect(scrub).toHaveBeenCalledTimes(4);
    // 31 characters and their answer exceed 60: scrubbed every time, never kept.
    const long = 'x'.repeat(31);
    expect(remembering(long)).toBe(long.toUpperCase());
    expect(remembering(long)).toBe(long.toUpperCase());
    expect(scrub).toHaveBeenCalledTimes(6);
  });
});
