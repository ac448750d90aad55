/**
 * `EncryptedFileRows`: the rows of an `onDisk` vector field read in place from an encrypted
 * segment file (a `DiskRows`, as segment/ondisk-vectors.ts's `FileRows` for plain files).
 *
 * A read of plaintext bytes [a, b) reads the chunks that hold them with one positioned
 * read, authenticates and decrypts each (encrypt-container.ts), and copies the rows out;
 * decrypted chunks stay in the process's shared cache (encrypt-chunk-cache.ts), as the page
 * cache keeps a plain file's blocks. Invariants as `FileRows`: the file is immutable, one descriptor is held from
 * construction to `close` (a file replaced meanwhile, by compaction or a key rotation,
 * stays readable through it, with the file key derived at open), and a chunk that fails
 * authentication throws `CorruptDataError` naming the object, never returns garbage.
 *
 * `file` is undefined: search workers cannot read the rows' bytes directly, so the
 * on-disk HNSW index walks on a worker and re-ranks with `readAsync` here.
 */
import { closeSync, openSync, read, readSync } from 'node:fs';
import { type DiskRows, readByRuns, readByRunsAsync } from '../index/disk-rows.js';
import { decryptedChunks } from './encrypt-chunk-cache.js';
import {
  type ContainerHeader,
  chunkOffset,
  chunkPlainBytes,
  HEADER_BYTES,
  openChunk,
  parseHeader,
  TAG_BYTES,
} from './encrypt-container.js';

export class EncryptedFileRows implements DiskRows {
  readonly memoryBytes = 0;
  readonly file = undefined;
  private fd: number;
  private readonly header: ContainerHeader;
  private readonly key: Buffer;
  private readonly rowBytes: number;
  /** This reader's id in the shared cache of decrypted chunks. */
  private readonly owner = decryptedChunks.owner();

  constructor(
    readonly path: string,
    /** How errors name the file (its object key). */
    private readonly where: string,
    keyOf: (header: ContainerHeader) => Buffer,
    /** Plaintext byte offset of row 0. */
    private readonly sectionOffset: number,
    readonly count: number,
    readonly dimension: number,
  ) {
    this.rowBytes = dimension * 4;
    this.fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(HEADER_BYTES);
      readSync(this.fd, head, 0, HEADER_BYTES, 0);
      this.header = parseHeader(head, where);
      this.key = keyOf(this.header);
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  read(offsets: ArrayLike<number>, out: Float32Array): void {
    readByRuns(this, offsets, out);
  }

  readAsync(offsets: ArrayLike<number>, out: Float32Array): Promise<void> {
    return readByRunsAsync(this, offsets, out);
  }

  readRange(first: number, n: number, out: Float32Array): void {
    const { from, to } = this.span(first, n, out);
    const span = this.chunksOf(from, to);
    let sealed: Buffer | undefined;
    if (span.missing) {
      sealed = Buffer.allocUnsafe(span.bytes);
      let done = 0;
      while (done < sealed.length) {
        const got = readSync(this.fd, sealed, done, sealed.length - done, span.position + done);
        if (got === 0) break;
        done += got;
      }
      sealed = sealed.subarray(0, done);
    }
    this.copyOut(from, to, out, this.plainChunks(span, sealed));
  }

  async readRangeAsync(first: number, n: number, out: Float32Array): Promise<void> {
    const { from, to } = this.span(first, n, out);
    const span = this.chunksOf(from, to);
    let sealed: Buffer | undefined;
    if (span.missing) {
      const buffer = Buffer.allocUnsafe(span.bytes);
      let done = 0;
      while (done < buffer.length) {
        const got = await new Promise<number>((resolve, reject) =>
          read(this.fd, buffer, done, buffer.length - done, span.position + done, (err, n) =>
            err ? reject(err) : resolve(n),
          ),
        );
        if (got === 0) break;
        done += got;
      }
      if (this.fd < 0) throw new Error(`${this.path}: the segment's rows were released`);
      sealed = buffer.subarray(0, done);
    }
    this.copyOut(from, to, out, this.plainChunks(span, sealed));
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
    decryptedChunks.release(this.owner);
  }

  /** Plaintext bytes [from, to) that rows first..first+n-1 occupy. @throws RangeError outside the rows. */
  private span(first: number, n: number, out: Float32Array): { from: number; to: number } {
    if (this.fd < 0) throw new Error(`${this.path}: the segment's rows were released`);
    if (first < 0 || n < 0 || first + n > this.count || out.length < n * this.dimension) {
      throw new RangeError(`rows ${first}..${first + n} of ${this.count} do not fit the read`);
    }
    const from = this.sectionOffset + first * this.rowBytes;
    const to = from + n * this.rowBytes;
    if (to > this.header.plainLength) {
      throw new RangeError(`${this.path}: rows ${first}..${first + n} lie past the end of the file`);
    }
    return { from, to };
  }

  /** The chunks that plaintext bytes [from, to) touch, where they lie, and whether any is not cached. */
  private chunksOf(from: number, to: number): ChunkSpan {
    const c = this.header.chunkBytes;
    const first = Math.floor(from / c);
    const last = Math.floor(Math.max(from, to - 1) / c);
    let missing = false;
    for (let i = first; i <= last && !missing; i++) missing = !decryptedChunks.has(this.owner, i);
    const position = chunkOffset(this.header, first);
    const end = chunkOffset(this.header, last) + chunkPlainBytes(this.header, last) + TAG_BYTES;
    return { first, last, position, bytes: end - position, missing };
  }

  /**
   * The plaintext of every chunk of `span`: cached ones from the cache, the others decrypted
   * from `sealed` (the span's bytes, read from the file) and cached.
   */
  private plainChunks(span: ChunkSpan, sealed: Buffer | undefined): Map<number, Buffer> {
    const out = new Map<number, Buffer>();
    for (let i = span.first; i <= span.last; i++) {
      let chunk = decryptedChunks.get(this.owner, i);
      if (chunk === undefined) {
        if (sealed === undefined) throw new Error(`${this.path}: chunk ${i} left the cache during a read`);
        const at = chunkOffset(this.header, i) - span.position;
        const plain = chunkPlainBytes(this.header, i);
        chunk = Buffer.allocUnsafe(plain);
        const bytes = sealed.subarray(at, Math.min(sealed.length, at + plain + TAG_BYTES));
        openChunk(this.header, this.key, i, bytes, chunk, 0, this.where);
      }
      out.set(i, chunk);
      decryptedChunks.set(this.owner, i, chunk);
    }
    return out;
  }

  /** Copies plaintext bytes [from, to) out of `chunks` into `out`. */
  private copyOut(from: number, to: number, out: Float32Array, chunks: Map<number, Buffer>): void {
    const target = new Uint8Array(out.buffer, out.byteOffset, to - from);
    const c = this.header.chunkBytes;
    for (let at = from; at < to; ) {
      const i = Math.floor(at / c);
      const chunk = chunks.get(i) as Buffer;
      const start = at - i * c;
      const n = Math.min(to - at, chunk.length - start);
      target.set(chunk.subarray(start, start + n), at - from);
      at += n;
    }
  }
}

interface ChunkSpan {
  first: number;
  last: number;
  /** Byte offset of chunk `first` in the file. */
  position: number;
  /** Bytes from `position` to the end of chunk `last`'s tag. */
  bytes: number;
  /** Whether some chunk of the span is not cached (so the span must be read). */
  missing: boolean;
}
