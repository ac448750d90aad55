/**
 * Reader for NumPy `.npy` files holding a 2-D C-order array of little-endian float32 (`<f4`)
 * or float64 (`<f8`, converted to float32). See `npy-header.ts` for the header layout.
 *
 * Opening checks the header and that the file holds exactly `rows × dimension` elements after
 * it, so a truncated or padded file is refused before any row is read. Rows are then read in
 * chunks of one batch, so files larger than memory stream through.
 */
import { open } from 'node:fs/promises';
import { NPY_PREAMBLE_BYTES, type NpyHeader, parseNpyHeader, parseNpyPreamble } from './npy-header.js';
import {
  checkBatchArguments,
  FileFormatError,
  readExactly,
  type VectorBatch,
  type VectorFile,
} from './vector-file.js';

/** An opened `.npy` file; `rows` and `dimension` come from its header. */
export interface NpyFile extends VectorFile {
  readonly format: 'npy';
  readonly rows: number;
  readonly dimension: number;
  readonly header: NpyHeader;
}

/**
 * Opens `path` and validates its header and size.
 * @throws FileFormatError for anything but a 2-D C-order `<f4`/`<f8` array of the stated size.
 * @example
 * const file = await openNpy('vectors.npy');
 * for await (const batch of file.batches(1000)) console.log(batch.start, batch.rows);
 */
export async function openNpy(path: string): Promise<NpyFile> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const preamble = new Uint8Array(Math.min(NPY_PREAMBLE_BYTES, size));
    await readExactly(handle, path, preamble, 0);
    const version = parseNpyPreamble(path, preamble);
    const dataOffset = version.headerStart + version.headerLength;
    if (dataOffset > size) {
      throw new FileFormatError(path, `truncated .npy header (needs ${dataOffset} bytes, file has ${size})`);
    }
    const headerBytes = new Uint8Array(version.headerLength);
    await readExactly(handle, path, headerBytes, version.headerStart);
    const encoding = version.major === 3 ? 'utf8' : 'latin1';
    const header = parseNpyHeader(path, version, Buffer.from(headerBytes).toString(encoding), dataOffset);
    const dataBytes = header.rows * header.dimension * header.itemBytes;
    if (size - dataOffset !== dataBytes) {
      throw new FileFormatError(
        path,
        `shape (${header.rows}, ${header.dimension}) of ${header.dtype} needs ${dataBytes} data bytes, ` +
          `file has ${size - dataOffset}${size - dataOffset < dataBytes ? ' (truncated)' : ''}`,
      );
    }
    return {
      path,
      format: 'npy',
      bytes: size,
      rows: header.rows,
      dimension: header.dimension,
      header,
      batches: (batchSize, fromRow = 0) => readNpyBatches(path, header, batchSize, fromRow),
    };
  } finally {
    await handle.close();
  }
}

async function* readNpyBatches(
  path: string,
  header: NpyHeader,
  batchSize: number,
  fromRow: number,
): AsyncGenerator<VectorBatch> {
  checkBatchArguments(batchSize, fromRow);
  const { rows, dimension, itemBytes, dataOffset } = header;
  const handle = await open(path, 'r');
  try {
    for (let start = fromRow; start < rows; start += batchSize) {
      const count = Math.min(batchSize, rows - start);
      const position = dataOffset + start * dimension * itemBytes;
      const bytes = new Uint8Array(count * dimension * itemBytes);
      await readExactly(handle, path, bytes, position);
      yield {
        start,
        rows: count,
        dimension,
        vectors: decodeLittleEndian(bytes, header.dtype),
        bytesRead: position + bytes.length,
      };
    }
  } finally {
    await handle.close();
  }
}

/** Decodes little-endian float32/float64 bytes into a new Float32Array, independent of host byte order. */
function decodeLittleEndian(bytes: Uint8Array, dtype: NpyHeader['dtype']): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'float32') {
    const out = new Float32Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  const out = new Float32Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}
