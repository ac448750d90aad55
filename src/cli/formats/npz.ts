/**
 * Reader for NumPy `.npz` archives (`np.savez` / `np.savez_compressed`): a ZIP of `.npy`
 * members. One member holds the vectors (a 2-D `<f4`/`<f8` array, as in `.npy`): the one named
 * by `member` (with or without `.npy`), else the only member, else the member `vectors`.
 * Ids are row numbers, as for `.npy`.
 *
 * Opening reads the central directory (zip-directory.ts) and the member's `.npy` header, and
 * checks the member's uncompressed size against the header's shape, so a truncated archive is
 * refused with `CorruptDataError` before any row is read. Rows stream through zlib's raw
 * inflate (deflated members) or straight from the file (stored members), one batch at a time.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { CorruptDataError } from '../../errors.js';
import { NPY_PREAMBLE_BYTES, type NpyHeader, parseNpyHeader, parseNpyPreamble } from './npy-header.js';
import { checkBatchArguments, FileFormatError, type VectorBatch, type VectorFile } from './vector-file.js';
import { readZipDirectory, type ZipMember } from './zip-directory.js';

/** An opened `.npz` archive's vector member; `rows` and `dimension` come from its header. */
export interface NpzFile extends VectorFile {
  readonly format: 'npz';
  readonly rows: number;
  readonly dimension: number;
  /** The member read, e.g. `vectors.npy`. */
  readonly member: string;
}

/**
 * Opens the vectors of `path`.
 * @throws CorruptDataError for a damaged or truncated archive; FileFormatError when no member
 * fits or its array is not 2-D float.
 * @example
 * const file = await openNpz('embeddings.npz', 'vectors');
 */
export async function openNpz(path: string, member?: string): Promise<NpzFile> {
  const handle = await open(path, 'r');
  let members: ZipMember[];
  let size: number;
  try {
    size = (await handle.stat()).size;
    members = await readZipDirectory(handle, path, size);
  } finally {
    await handle.close();
  }
  const chosen = chooseMember(path, members, member);
  const header = await readHeader(path, chosen);
  const dataBytes = header.rows * header.dimension * header.itemBytes;
  if (chosen.uncompressedSize !== header.dataOffset + dataBytes) {
    throw new CorruptDataError(
      path,
      `member '${chosen.name}': shape (${header.rows}, ${header.dimension}) of ${header.dtype} needs ` +
        `${header.dataOffset + dataBytes} bytes, the archive says ${chosen.uncompressedSize}`,
    );
  }
  return {
    path,
    format: 'npz',
    bytes: size,
    rows: header.rows,
    dimension: header.dimension,
    member: chosen.name,
    batches: (batchSize, fromRow = 0) => readBatches(path, chosen, header, batchSize, fromRow),
  };
}

function chooseMember(path: string, members: ZipMember[], wanted: string | undefined): ZipMember {
  const names = members.map((m) => m.name);
  const find = (name: string) => members.find((m) => m.name === name || m.name === `${name}.npy`);
  const chosen = wanted !== undefined ? find(wanted) : members.length === 1 ? members[0] : find('vectors');
  if (chosen === undefined) {
    throw new FileFormatError(
      path,
      wanted !== undefined
        ? `no member '${wanted}' (members: ${names.join(', ')})`
        : `${members.length} members (${names.join(', ')}): name the vectors with --vector-column`,
    );
  }
  return chosen;
}

/** The member's bytes, decompressed, as a stream of chunks. */
function memberStream(path: string, member: ZipMember): AsyncIterable<Buffer> & { destroy(): void } {
  const raw = createReadStream(path, {
    start: member.dataOffset,
    end: member.dataOffset + member.compressedSize - 1,
  });
  if (member.method === 0) return raw;
  // pipeline: an error of either stream reaches the reader, and destroying the inflater closes the file.
  return pipeline(raw, createInflateRaw(), () => {});
}

async function readHeader(path: string, member: ZipMember): Promise<NpyHeader> {
  const stream = memberStream(path, member);
  let buffered = Buffer.alloc(0);
  try {
    for await (const chunk of inflating(path, member, stream)) {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < NPY_PREAMBLE_BYTES) continue;
      const version = parseNpyPreamble(path, buffered);
      const dataOffset = version.headerStart + version.headerLength;
      if (buffered.length < dataOffset) continue;
      const text = buffered
        .subarray(version.headerStart, dataOffset)
        .toString(version.major === 3 ? 'utf8' : 'latin1');
      return parseNpyHeader(path, version, text, dataOffset);
    }
  } finally {
    stream.destroy();
  }
  throw new CorruptDataError(path, `member '${member.name}' ends inside its .npy header`);
}

/** The stream's chunks, with zlib's errors (damaged deflate data) as `CorruptDataError`. */
async function* inflating(
  path: string,
  member: ZipMember,
  stream: AsyncIterable<Buffer>,
): AsyncGenerator<Buffer> {
  try {
    yield* stream;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('Z_')) {
      throw new CorruptDataError(path, `member '${member.name}': ${(error as Error).message}`);
    }
    throw error;
  }
}

async function* readBatches(
  path: string,
  member: ZipMember,
  header: NpyHeader,
  batchSize: number,
  fromRow: number,
): AsyncGenerator<VectorBatch> {
  checkBatchArguments(batchSize, fromRow);
  const { rows, dimension, itemBytes, dataOffset } = header;
  const rowBytes = dimension * itemBytes;
  const stream = memberStream(path, member);
  let skip = dataOffset + fromRow * rowBytes; // bytes to discard before the first wanted row
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let start = fromRow;
  try {
    for await (let chunk of inflating(path, member, stream)) {
      if (skip > 0) {
        const dropped = Math.min(skip, chunk.length);
        skip -= dropped;
        chunk = chunk.subarray(dropped);
      }
      if (chunk.length === 0) continue;
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (start < rows && pendingBytes >= Math.min(batchSize, rows - start) * rowBytes) {
        const count = Math.min(batchSize, rows - start);
        const all = Buffer.concat(pending);
        const take = count * rowBytes;
        pending = [all.subarray(take)];
        pendingBytes = all.length - take;
        yield {
          start,
          rows: count,
          dimension,
          vectors: decode(all.subarray(0, take), header.dtype),
          bytesRead: Math.round(((start + count) / rows) * member.compressedSize) + member.dataOffset,
        };
        start += count;
      }
    }
  } finally {
    stream.destroy();
  }
  if (start < rows)
    throw new CorruptDataError(path, `member '${member.name}' ends at row ${start} of ${rows}`);
}

function decode(bytes: Buffer, dtype: NpyHeader['dtype']): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = dtype === 'float32' ? 4 : 8;
  const out = new Float32Array(bytes.length / size);
  for (let i = 0; i < out.length; i++) {
    out[i] = size === 4 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
  }
  return out;
}
