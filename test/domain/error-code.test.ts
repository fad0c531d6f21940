import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeCodedError, errorCodeOf } from '#domain/error-code';

const notACode = fc.constantFrom(undefined, null, '', '   ', Number.NaN, {}, [], true);

describe('describeCodedError', () => {
  it('never reads "undefined: …" (or any non-code prefix) whatever the code property holds', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), notACode, fc.boolean(), (message, code, hasCodeKey) => {
        const error = hasCodeKey ? Object.assign(new Error(message), { code }) : new Error(message);
        const text = describeCodedError(error);
        expect(errorCodeOf(error)).toBeUndefined();
        expect(text.startsWith(`${String(code)}:`) && String(code) !== message.split(':')[0]).toBe(false);
        expect(text).toBe(message.trim() === '' ? 'Error' : message);
      }),
    );
  });

  it('prefixes a real code once', () => {
    expect(describeCodedError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      'ECONNRESET: socket hang up',
    );
    expect(describeCodedError(Object.assign(new Error('ECONNRESET bad'), { code: 'ECONNRESET' }))).toBe(
      'ECONNRESET bad',
    );
    expect(describeCodedError(Object.assign(new Error('x'), { code: 42 }))).toBe('42: x');
    expect(describeCodedError(undefined)).toBe('undefined');
    expect(describeCodedError('')).toBe('unknown error');
  });
});
