/**
 * The binary cache of word vectors that `glove-100` reads instead of the package's 307 MB JSON:
 * converted once (see `glove-package.ts`), then read back with one `readFile`.
 *
 * Layout (little-endian, like every Quiver file; format version 1):
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 8 | magic `QVRWVC\0\1` |
 * | 8 | 4 | u32 format version (1) |
 * | 12 | 4 | u32 dimension `D` |
 * | 16 | 4 | u32 word count `N` |
 * | 20 | 4 | u32 byte length `W` of the words |
 * | 24 | 4 | u32 CRC-32 of bytes [0, 24) followed by bytes [28, end) |
 * | 28 | W | the words, UTF-8, joined by `\n`, then zero bytes up to a multiple of 4 |
 * | 28 + ⌈W/4⌉·4 | N·D·4 | f32 vectors, row `i` belonging to word `i` |
 *
 * Invariants: a reader returns a table only when magic, version, total size, word count and
 * checksum all verify, so a truncated, torn or foreign file reads as "no cache" and is rebuilt.
 * A writer writes a temporary file beside the target and renames it into place, so a reader
 * (in this or another process) sees either the old file, no file, or the whole new one.
 */
import { randomUUID } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { alignUp, bytesOf, copyFloat32, crc32, fromUtf8, utf8 } from '../storage/binary.js';
import type { WordTable } from './glove-package.js';

const MAGIC = Uint8Array.from([0x51, 0x56, 0x52, 0x57, 0x56, 0x43, 0x00, 0x01]); // "QVRWVC\0\1"
const VERSION = 1;
const HEADER_BYTES = 28;
const CRC_AT = 24;

/** The table stored in `file`, or undefined when there is no such file or it does not verify. */
export async function readGloveCache(file: string): Promise<WordTable | undefined> {
  const bytes = await readFile(file).catch(() => undefined);
  if (bytes === undefined || bytes.length < HEADER_BYTES) return undefined;
  if (MAGIC.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [version, dimension, count, wordBytes, crc] = [8, 12, 16, 20, CRC_AT].map((at) =>
    view.getUint32(at, true),
  );
  const vectorsAt = HEADER_BYTES + alignUp(wordBytes, 4);
  if (version !== VERSION || dimension === 0 || bytes.length !== vectorsAt + count * dimension * 4)
    return undefined;
  if (checksum(bytes) !== crc) return undefined;
  let words: string[];
  try {
    words = count === 0 ? [] : fromUtf8(bytes.subarray(HEADER_BYTES, HEADER_BYTES + wordBytes)).split('\n');
  } catch {
    return undefined;
  }
  if (words.length !== count) return undefined;
  const byteLength = count * dimension * 4;
  // A large readFile gets its own ArrayBuffer, so the vectors are aligned and need no copy.
  const data =
    (bytes.byteOffset + vectorsAt) % 4 === 0
      ? new Float32Array(bytes.buffer, bytes.byteOffset + vectorsAt, count * dimension)
      : copyFloat32(bytes, vectorsAt, byteLength);
  return { dimension, words, data };
}

/** Writes `table` to `file` atomically (temporary file, then rename). */
export async function writeGloveCache(file: string, table: WordTable): Promise<void> {
  const words = utf8(table.words.join('\n'));
  const head = new Uint8Array(HEADER_BYTES + alignUp(words.length, 4));
  head.set(MAGIC, 0);
  const view = new DataView(head.buffer);
  [VERSION, table.dimension, table.words.length, words.length].forEach((v, i) => {
    view.setUint32(8 + 4 * i, v, true);
  });
  head.set(words, HEADER_BYTES);
  const vectors = bytesOf(table.data);
  view.setUint32(CRC_AT, crc32(vectors, checksum(head)), true);
  const partial = `${file}.${randomUUID().slice(0, 8)}.tmp`;
  try {
    const handle = await open(partial, 'w');
    try {
      await handle.writeFile(head);
      await handle.writeFile(vectors);
    } finally {
      await handle.close();
    }
    await rename(partial, file);
  } catch (e) {
    await rm(partial, { force: true });
    throw e;
  }
}

/** CRC-32 of `bytes` without the checksum field (bytes [24, 28)). */
function checksum(bytes: Uint8Array): number {
  return crc32(bytes.subarray(HEADER_BYTES), crc32(bytes.subarray(0, CRC_AT)));
}
