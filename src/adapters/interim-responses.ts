/**
 * Interim (1xx) answers, removed before undici reads them. A client must accept 1xx answers it did
 * not ask for (RFC 9110 section 15.2), and receivers do send them (a `100 Continue` from a proxy or
 * framework that answers every POST so). undici 7 (the newest major that runs on Node 20; 8.x still
 * does the same) destroys the connection on an unexpected `100 Continue`, so every attempt to such a
 * receiver failed although it answered 200. undici reads a connection only through `socket.read()`
 * and writes each request's head with one `socket.write`: this shim wraps those two methods of each
 * connection the sender opens, and drops whole 1xx answers (all but `101`, which undici needs for an
 * upgrade the sender never asks for) found where an answer starts, i.e. first after a request head.
 */
import type { Duplex } from 'node:stream';

/** An interim answer longer than this is not one: it is passed on for undici to judge. */
const MAX_INTERIM_BYTES = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.[01] 1(?!01)\d\d[ \r]/;
// A request head as undici writes it: `METHOD /path HTTP/1.1\r\n…`.
const REQUEST_HEAD = /^[A-Z]+ \S+ HTTP\/1\.1\r\n/;

/**
 * Makes `socket` hide interim answers from its reader; returns the same socket. Bytes after an
 * answer's start pass untouched, so bodies are never inspected.
 */
export function withoutInterimResponses<S extends Duplex>(socket: S): S {
  let atAnswerStart = false;
  let held: Buffer = Buffer.alloc(0);
  const read = socket.read.bind(socket);
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;

  socket.write = ((...args: unknown[]) => {
    const [chunk] = args;
    const head = typeof chunk === 'string' ? chunk.slice(0, 2048) : undefined;
    if (head !== undefined && REQUEST_HEAD.test(head)) atAnswerStart = true;
    return write(...args);
  }) as S['write'];

  /** What of `held` may go to the reader now; keeps back what cannot be judged yet. */
  function release(): Buffer | null {
    while (atAnswerStart) {
      if (held.length < 13) {
        // Too short to judge unless it is already clearly not a status line.
        if (!'HTTP/1.'.startsWith(held.subarray(0, 7).toString('latin1'))) atAnswerStart = false;
        else return null;
        break;
      }
      if (!STATUS_LINE.test(held.subarray(0, 13).toString('latin1'))) {
        atAnswerStart = false;
        break;
      }
      const end = held.indexOf(HEAD_END);
      if (end < 0) {
        if (held.length > MAX_INTERIM_BYTES) atAnswerStart = false;
        else return null;
        break;
      }
      // A whole interim answer: dropped; the next bytes start an answer again.
      held = held.subarray(end + HEAD_END.length);
    }
    if (held.length === 0) return null;
    const out = held;
    held = Buffer.alloc(0);
    return out;
  }

  socket.read = ((size?: number) => {
    if (!atAnswerStart && held.length === 0) return read(size);
    for (;;) {
      const chunk = read() as Buffer | string | null;
      if (chunk !== null) held = Buffer.concat([held, Buffer.from(chunk)]);
      const out = release();
      if (out !== null || chunk === null) return out;
    }
  }) as S['read'];

  return socket;
}
