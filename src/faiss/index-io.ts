/**
 * `readIndex` / `writeIndex`: FAISS's own binary index files (`faiss.read_index`,
 * `faiss.write_index`), read into and written from Quiver's FAISS classes.
 *
 * Coverage (fourccs as in `faiss/impl/index_write.cpp` of FAISS 1.7.3, read by every FAISS
 * since): IxF2 / IxFI (IndexFlatL2 / IndexFlatIP; IxFl for IndexFlat with those metrics),
 * IHNf (IndexHNSWFlat, its storage an IxF2 / IxFI), IxMp / IxM2 (IndexIDMap / IndexIDMap2),
 * IwFl (IndexIVFFlat; the legacy IvFl is read), IwPQ (IndexIVFPQ), IxSQ
 * (IndexScalarQuantizer, QT_8bit), IxPq (IndexPQ), IxHe (IndexLSH). Inverted lists are
 * `ilar` (full or sparse sizes). Anything else is refused with `UnsupportedIndexFileError`
 * naming the fourcc; a truncated or inconsistent file with `CorruptDataError`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { CorruptDataError, InvalidArgumentError } from '../errors.js';
import { registerSerializer } from './batch-pool.js';
import { ByteReader, ByteWriter } from './binary-io.js';
import { UnsupportedIndexFileError } from './errors.js';
import type { Index } from './faiss-index.js';
import { CODECS, type IndexCodec } from './index-codecs.js';

/** The fourccs this reader understands. */
export const READABLE_FOURCCS: readonly string[] = CODECS.flatMap((c) => c.fourccs);

/**
 * Reads a FAISS index file. Python: `index = faiss.read_index(path)`.
 * @example
 * const index = await readIndex('index.faiss');
 * const { distances, labels } = await index.search(queries, 5);
 * @throws UnsupportedIndexFileError (a CorruptDataError) for an index class it does not read.
 * @throws CorruptDataError for a truncated or inconsistent file.
 */
export async function readIndex(path: string): Promise<Index> {
  return deserializeIndex(await readFile(path), path);
}

/** An index from the bytes of a FAISS index file. Python: `faiss.deserialize_index(buf)`. */
export function deserializeIndex(bytes: Uint8Array, name = '<bytes>'): Index {
  const r = new ByteReader(bytes, name);
  const index = readNested(r);
  if (r.remaining !== 0) {
    index.dispose();
    throw r.corrupt(`${r.remaining} bytes after the end of the index`);
  }
  return index;
}

/** Reads one index (fourcc and fields) at the reader's position; nested indexes recurse here. */
export function readNested(r: ByteReader): Index {
  const fourcc = r.fourcc();
  const codec = CODECS.find((c) => c.fourccs.includes(fourcc));
  if (!codec) {
    const printable = /^[\x20-\x7e]{4}$/.test(fourcc)
      ? fourcc
      : `0x${Buffer.from(fourcc, 'latin1').toString('hex')}`;
    throw new UnsupportedIndexFileError(r.file, printable, READABLE_FOURCCS);
  }
  try {
    return codec.read(r, fourcc, readNested);
  } catch (error) {
    if (error instanceof CorruptDataError) throw error;
    throw r.corrupt((error as Error).message);
  }
}

/**
 * Writes `index` as a FAISS index file that Python FAISS reads. Python:
 * `faiss.write_index(index, path)`.
 * @throws InvalidArgumentError for an index class with no FAISS file form.
 */
export async function writeIndex(index: Index, path: string): Promise<void> {
  await writeFile(path, serializeIndex(index));
}

/** The bytes of a FAISS index file. Python: `faiss.serialize_index(index)`. */
export function serializeIndex(index: Index): Uint8Array {
  const w = new ByteWriter();
  writeNested(w, index);
  return w.bytes();
}

registerSerializer(serializeIndex);

/** Writes one index (fourcc and fields); nested indexes recurse here. */
export function writeNested(w: ByteWriter, index: Index): void {
  const codec: IndexCodec | undefined = CODECS.find((c) => c.writes(index));
  if (!codec) throw new InvalidArgumentError(`no FAISS file form for ${index.className}`);
  codec.write(w, index, writeNested);
}
