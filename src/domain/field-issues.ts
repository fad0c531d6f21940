/**
 * Turns zod issues into the API's field-level details: dotted paths with bracketed indexes
 * (`headers.X-Foo`, `events[2]`), messages an admin can act on, and never the rejected value
 * (it may be a password or token).
 */
import type { z } from 'zod';
import type { FieldIssue } from './errors';

/**
 * A key the client chose (a header name) as a path segment: control and format characters written
 * as `\uXXXX`, so an answer never carries a NUL, an escape sequence or a bidi control back to the
 * terminal or page that shows it.
 */
function printableSegment(segment: string): string {
  return segment.replace(
    /[\p{Cc}\p{Cf}]/gu,
    (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}

/** Renders a zod path as `a.b[2].c`; an empty path is the body itself. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let rendered = '';
  for (const segment of path) {
    if (typeof segment === 'number') rendered += `[${segment}]`;
    else {
      const printable = printableSegment(String(segment));
      rendered += rendered === '' ? printable : `.${printable}`;
    }
  }
  return rendered;
}

/** A readable message for one issue; custom messages are kept, built-in ones reworded without values. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.message.endsWith('received undefined')
        ? 'is required'
        : `must be ${article(issue.expected)}`;
    case 'too_small':
      return describeBound(issue.origin, 'at least', issue.minimum, issue.inclusive);
    case 'too_big':
      return describeBound(issue.origin, 'at most', issue.maximum, issue.inclusive);
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_union': {
      const expected = /Expected (.+)$/.exec(issue.message);
      if (issue.message.includes('discriminator') && expected) return `must be one of: ${expected[1]}`;
      return 'does not match any allowed shape';
    }
    case 'invalid_format':
      return issue.format === 'datetime'
        ? 'must be an ISO 8601 date-time with a time zone offset, e.g. 2024-05-01T12:00:00Z'
        : issue.message.startsWith('Invalid') && issue.format === 'regex'
          ? 'has characters or a length that are not allowed'
          : issue.message;
    case 'invalid_key':
      return 'has a name that is not allowed';
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return issue.message;
  }
}

/** Every issue of a failed parse as a field issue, unrecognized keys reported one field each. */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  const issues: FieldIssue[] = [];
  // zod still runs length checks on a value of the wrong type; "must be an array" is the one that helps.
  const wrongType = new Set(
    error.issues.filter((issue) => issue.code === 'invalid_type').map((issue) => formatIssuePath(issue.path)),
  );
  for (const issue of error.issues) {
    if (issue.code !== 'invalid_type' && wrongType.has(formatIssuePath(issue.path))) continue;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ field: formatIssuePath([...issue.path, key]), message: 'is not a known field' });
      }
      continue;
    }
    issues.push({ field: formatIssuePath(issue.path), message: describeIssue(issue) });
  }
  return firstPerField(issues);
}

/**
 * One issue per field, the first zod reported (schemas list their checks most basic first: length,
 * then characters). A value that breaks several rules at once gets one reason to act on, and the
 * response's `details` never names a field twice.
 */
function firstPerField(issues: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => !seen.has(issue.field) && seen.add(issue.field));
}

function describeBound(origin: string, word: string, limit: number | bigint, inclusive?: boolean): string {
  const bound = inclusive === false ? (word === 'at least' ? 'more than' : 'less than') : word;
  switch (origin) {
    case 'string':
      return `must be ${bound} ${String(limit)} character${limit === 1 ? '' : 's'} long`;
    case 'array':
    case 'set':
      return `must have ${bound} ${String(limit)} item${limit === 1 ? '' : 's'}`;
    case 'object':
    case 'record':
      return `must have ${bound} ${String(limit)} entr${limit === 1 ? 'y' : 'ies'}`;
    default:
      return `must be ${bound} ${String(limit)}`;
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
