/**
 * Float32 arrays cut from shared slabs, for the many short-lived vector copies that inputs
 * are validated into (a query per search, a row per upserted point).
 *
 * Why: a `Float32Array` of more than 64 bytes gets a backing store of its own outside the
 * JavaScript heap, whose allocation and release cost more than a 128-d search's own
 * bookkeeping (measured: `slice()` of 128 floats 0.3–1.6 µs, rising with collector pressure;
 * a view cut from a slab 0.1–0.2 µs). Views of one 256 KiB slab share its backing store.
 *
 * Invariants: each array returned is zero-filled, `length` floats long, and overlaps no other
 * (slabs are only ever cut forward); a slab lives as long as any of its arrays, so a kept
 * copy keeps its slab (at most 256 KiB) alive. Arrays longer than a quarter slab get a
 * buffer of their own. Callers must use `byteOffset`/`byteLength` with `.buffer`, as for any
 * view.
 */

/** Bytes of one slab. */
const SLAB_BYTES = 1 << 18;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/** A zero-filled Float32Array of `length` floats (see the module comment). */
export function float32Copy(length: number): Float32Array {
  const bytes = length * 4;
  if (bytes > SLAB_BYTES / 4) return new Float32Array(length);
  if (used + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const out = new Float32Array(slab, used, length);
  used += bytes;
  return out;
}
