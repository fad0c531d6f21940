import { describe, expect, it } from 'vitest';
import { md5OfBody, md5OfMessageAttributes } from '#local/sqs/message-md5';

describe('message MD5 digests', () => {
  it('hashes the body as UTF-8', () => {
    expect(md5OfBody('hello')).toBe('5d41402abc4b2a76b9719d911017c592');
  });

  it("matches SQS's attribute digest for a known attribute", () => {
    expect(md5OfMessageAttributes({ SellerName: { DataType: 'String', StringValue: 'Example Store' } })).toBe(
      'cd28f3b68aeee4b2eac9c66f2f694b58',
    );
  });

  it('does not depend on the order attributes were given in', () => {
    const ordered = md5OfMessageAttributes({
      a: { DataType: 'Number', StringValue: '1' },
      b: { DataType: 'Binary', BinaryValue: 'AAEC' },
    });
    const reversed = md5OfMessageAttributes({
      b: { DataType: 'Binary', BinaryValue: 'AAEC' },
      a: { DataType: 'Number', StringValue: '1' },
    });
    expect(reversed).toBe(ordered);
  });
});
