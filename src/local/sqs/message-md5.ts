/** The MD5 digests SQS returns so clients can check what it stored (the SDK verifies the body's). */
import { createHash } from 'node:crypto';

/** A message attribute as the JSON protocol carries it (binary values base64-encoded). */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** Hex MD5 of the UTF-8 body. */
export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

function lengthPrefixed(bytes: Buffer): Buffer[] {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  return [length, bytes];
}

/**
 * Hex MD5 of message attributes by SQS's documented encoding: names sorted, each as
 * length-prefixed name, length-prefixed data type, a transport byte (1 string, 2 binary), length-prefixed value.
 */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const hash = createHash('md5');
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name] as MessageAttributeValue;
    const parts = [
      ...lengthPrefixed(Buffer.from(name, 'utf8')),
      ...lengthPrefixed(Buffer.from(attribute.DataType, 'utf8')),
    ];
    if (attribute.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]), ...lengthPrefixed(Buffer.from(attribute.BinaryValue, 'base64')));
    } else {
      parts.push(Buffer.from([1]), ...lengthPrefixed(Buffer.from(attribute.StringValue ?? '', 'utf8')));
    }
    for (const part of parts) hash.update(part);
  }
  return hash.digest('hex');
}
