/**
 * Reading the `code` of a thrown value. Node system errors carry a string code, but many errors
 * have a `code` property that is present yet undefined, null or empty (undici's HTTP parser
 * errors among them): text built from `String(error.code)` then reads "undefined: …". Every
 * description of an error goes through here, so no message can start with a code that is not one.
 */

/** The error's code when it is a non-empty string or a finite number; undefined otherwise. */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  if (typeof code === 'string' && code.trim() !== '') return code.trim();
  if (typeof code === 'number' && Number.isFinite(code)) return String(code);
  return undefined;
}

/**
 * One line for a thrown value: `<code>: <message>` when it has a code, else its message, else its
 * name; a non-Error is converted with String(). Never "undefined: …" nor an empty string.
 */
export function describeCodedError(error: unknown): string {
  if (!(error instanceof Error)) {
    const text = String(error);
    return text === '' ? 'unknown error' : text;
  }
  const code = errorCodeOf(error);
  const message = error.message.trim() === '' ? error.name || 'Error' : error.message;
  return code === undefined || message.startsWith(code) ? message : `${code}: ${message}`;
}
