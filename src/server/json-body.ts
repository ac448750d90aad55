/**
 * The parser of `application/json` request bodies. JSON text must be UTF-8 (RFC 8259 §8.1);
 * decoding an ill-formed byte sequence as U+FFFD, as `Buffer.toString` does, would store
 * something other than what the client sent and acknowledge it. So the raw bytes are
 * checked first (`isUtf8`, a SIMD scan), and a body that is not UTF-8 is refused with 400
 * `INVALID_JSON` naming the byte offset where the first ill-formed sequence begins. A valid
 * body then goes through fastify's own JSON parser (empty body, syntax errors, `__proto__`
 * and `constructor` keys are handled exactly as before). The body limit (413) is enforced
 * while reading, before this parser runs.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { QuiverError } from '../errors.js';

/** A request body that is not JSON text (here: not UTF-8). Code `INVALID_JSON`, HTTP 400. */
export class InvalidJsonError extends QuiverError {
  constructor(message: string) {
    super('INVALID_JSON', message);
  }
}

/** Replaces fastify's `application/json` parser with one that refuses bodies that are not UTF-8. */
export function parseJsonBodiesStrictly(app: FastifyInstance): void {
  const parseText = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    if (!isUtf8(body)) {
      done(new InvalidJsonError(describeInvalidUtf8(body)), undefined);
      return;
    }
    parseText(request, body.toString('utf8'), done);
  });
}

/** The message for a body that is not UTF-8: the offset of its first ill-formed sequence and the bytes there. */
export function describeInvalidUtf8(bytes: Uint8Array): string {
  const offset = firstInvalidUtf8(bytes);
  const shown = Array.from(bytes.subarray(offset, offset + 4), (b) => b.toString(16).padStart(2, '0'));
  return `body: invalid UTF-8 at byte offset ${offset} (bytes ${shown.join(' ')}); JSON text must be UTF-8`;
}

/**
 * The offset of the first byte of the first ill-formed UTF-8 sequence in `bytes`, or -1 if
 * there is none. Well-formed means Unicode's table 3-7: no overlong forms (`C0 80`,
 * `E0 80 80`), no encoded surrogates (`ED A0 80`), nothing above U+10FFFF (`F4 90…`, `F5`…),
 * no stray continuation bytes, no sequence cut short (also at the end of the body).
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // The allowed range of the second byte, and how many continuation bytes follow it.
    let lo = 0x80;
    let hi = 0xbf;
    let length: number;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + length > n) return i;
    const second = bytes[i + 1];
    if (second < lo || second > hi) return i;
    for (let j = i + 2; j < i + length; j++) {
      if ((bytes[j] & 0xc0) !== 0x80) return i;
    }
    i += length;
  }
  return -1;
}
