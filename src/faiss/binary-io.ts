/**
 * Little-endian readers and writers of the primitives FAISS and hnswlib files are made of:
 * fixed-width integers and floats, fourccs, and FAISS's vectors (a `size_t` element count
 * followed by the elements).
 *
 * Invariant: a `ByteReader` never reads past its bytes. Every read checks the length
 * first, and a vector's count is checked against the bytes left before anything is
 * allocated, so a truncated or corrupt file fails with `CorruptDataError` naming the file
 * and the offset, never with a RangeError or an attempt to allocate terabytes.
 */
import { CorruptDataError } from '../errors.js';

export class ByteReader {
  private at = 0;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.at;
  }

  get remaining(): number {
    return this.bytes.byteLength - this.at;
  }

  /** A `CorruptDataError` naming the file and the current offset. */
  corrupt(reason: string): CorruptDataError {
    return new CorruptDataError(this.file, `${reason} (at byte ${this.at})`);
  }

  private need(n: number, what: string): number {
    if (n > this.remaining) {
      throw this.corrupt(`truncated: ${what} needs ${n} bytes, ${this.remaining} left`);
    }
    const start = this.at;
    this.at += n;
    return start;
  }

  u8(what = 'a byte'): number {
    return this.view.getUint8(this.need(1, what));
  }

  bool(what = 'a flag'): boolean {
    return this.u8(what) !== 0;
  }

  i32(what = 'an int32'): number {
    return this.view.getInt32(this.need(4, what), true);
  }

  u32(what = 'a uint32'): number {
    return this.view.getUint32(this.need(4, what), true);
  }

  f32(what = 'a float'): number {
    return this.view.getFloat32(this.need(4, what), true);
  }

  f64(what = 'a double'): number {
    return this.view.getFloat64(this.need(8, what), true);
  }

  i64(what = 'an int64'): bigint {
    return this.view.getBigInt64(this.need(8, what), true);
  }

  /** A 64-bit count or size (FAISS's `size_t` / `idx_t`) that must be in [0, max]. */
  size(what: string, max = 2 ** 40): number {
    const v = this.view.getBigUint64(this.need(8, what), true);
    if (v > BigInt(max)) throw this.corrupt(`${what} is ${v}, more than ${max}`);
    return Number(v);
  }

  /** Four ASCII characters, as FAISS's `fourcc("IxF2")` (first character in the low byte). */
  fourcc(what = 'a fourcc'): string {
    const start = this.need(4, what);
    return String.fromCharCode(...this.bytes.subarray(start, start + 4));
  }

  /** `n` raw bytes: a copy (never a view, even of a Buffer), so typed views of it are aligned. */
  take(n: number, what: string): Uint8Array {
    const start = this.need(n, what);
    const out = new Uint8Array(n);
    out.set(this.bytes.subarray(start, start + n));
    return out;
  }

  /** A FAISS vector's element count, checked to fit in the bytes left. */
  private count(elementBytes: number, what: string): number {
    const n = this.size(`${what} length`);
    if (n * elementBytes > this.remaining) {
      throw this.corrupt(
        `truncated: ${what} of ${n} elements needs ${n * elementBytes} bytes, ${this.remaining} left`,
      );
    }
    return n;
  }

  vecF32(what: string): Float32Array {
    return new Float32Array(this.take(this.count(4, what) * 4, what).buffer);
  }

  vecF64(what: string): Float64Array {
    return new Float64Array(this.take(this.count(8, what) * 8, what).buffer);
  }

  vecI32(what: string): Int32Array {
    return new Int32Array(this.take(this.count(4, what) * 4, what).buffer);
  }

  vecI64(what: string): BigInt64Array {
    return new BigInt64Array(this.take(this.count(8, what) * 8, what).buffer);
  }

  vecU8(what: string): Uint8Array {
    return this.take(this.count(1, what), what);
  }

  /** A vector of `size_t` values, each at most `max`, as numbers. */
  vecSize(what: string, max = 2 ** 40): number[] {
    const raw = new BigUint64Array(this.take(this.count(8, what) * 8, what).buffer);
    const out: number[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] > BigInt(max)) throw this.corrupt(`${what}[${i}] is ${raw[i]}, more than ${max}`);
      out[i] = Number(raw[i]);
    }
    return out;
  }
}

/** Appends primitives to a growing buffer; `bytes()` returns what was written. */
export class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  private at = 0;

  /** Reserves `n` bytes and returns their offset (may replace `buf` and `view`: call it before using them). */
  private room(n: number): number {
    if (this.at + n > this.buf.byteLength) {
      let cap = this.buf.byteLength * 2;
      while (cap < this.at + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const start = this.at;
    this.at += n;
    return start;
  }

  u8(v: number): void {
    const at = this.room(1);
    this.view.setUint8(at, v);
  }

  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }

  i32(v: number): void {
    const at = this.room(4);
    this.view.setInt32(at, v, true);
  }

  u32(v: number): void {
    const at = this.room(4);
    this.view.setUint32(at, v, true);
  }

  f32(v: number): void {
    const at = this.room(4);
    this.view.setFloat32(at, v, true);
  }

  f64(v: number): void {
    const at = this.room(8);
    this.view.setFloat64(at, v, true);
  }

  i64(v: bigint | number): void {
    const at = this.room(8);
    this.view.setBigInt64(at, BigInt(v), true);
  }

  size(v: number): void {
    const at = this.room(8);
    this.view.setBigUint64(at, BigInt(v), true);
  }

  fourcc(code: string): void {
    if (code.length !== 4) throw new RangeError(`fourcc must be 4 characters, got '${code}'`);
    const at = this.room(4);
    for (let i = 0; i < 4; i++) this.buf[at + i] = code.charCodeAt(i);
  }

  raw(bytes: Uint8Array): void {
    const at = this.room(bytes.byteLength);
    this.buf.set(bytes, at);
  }

  /** A FAISS vector: the element count as `size_t`, then the elements' bytes. */
  vec(data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array): void {
    this.size(data.length);
    this.raw(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  vecSize(values: readonly number[]): void {
    this.size(values.length);
    for (const v of values) this.size(v);
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
}
