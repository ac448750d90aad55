/**
 * Kernel tests: both implementations against a float64 reference (1e-5 relative error),
 * top-k against a stable sort of the implementation's own scan, tie-breaking, and the
 * allocator's alignment, zero fill, reuse, coalescing and growth. Seeds are fixed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gaussianVectors, SeededRandom } from '../src/eval/random.js';
import { ALIGN, LinearAllocator, MAX_PAGES, PAGE_BYTES } from '../src/kernels/allocator.js';
import { DistanceKind, type Kernels } from '../src/kernels/kernels.js';
import { jsKernels, kernels, wasmKernels } from '../src/kernels/load.js';

/** Maximum error, relative to the scale of the quantity (see `close`). */
const TOLERANCE = 1e-5;
const DIMS = [1, 3, 7, 16, 128, 784, 1000];
const KINDS = [DistanceKind.L2, DistanceKind.IP, DistanceKind.COSINE];
const IMPLEMENTATIONS: [string, () => Kernels][] = [
  ['wasm', wasmKernels],
  ['js', jsKernels],
];

function put(k: Kernels, data: Float32Array): number {
  const ptr = k.alloc(data.byteLength);
  k.f32(ptr, data.length).set(data);
  return ptr;
}

function putWords(k: Kernels, words: Uint32Array): number {
  const ptr = k.alloc(words.byteLength);
  k.u32(ptr, words.length).set(words);
  return ptr;
}

function row(data: Float32Array, i: number, dim: number): Float32Array {
  return data.subarray(i * dim, (i + 1) * dim);
}

function refDot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function refL2(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

function refCosine(a: Float32Array, b: Float32Array): number {
  const norms = Math.sqrt(refDot(a, a) * refDot(b, b));
  return norms === 0 ? 0 : refDot(a, b) / norms;
}

/**
 * The reference distance of `kind` and the scale its error is measured against: the value
 * itself for L2 (a sum of non-negative terms), |a|·|b| for the inner product (the bound
 * of every partial sum, so cancellation cannot inflate the relative error), 1 for cosine.
 */
function refDistance(kind: DistanceKind, q: Float32Array, r: Float32Array): { value: number; scale: number } {
  if (kind === DistanceKind.L2) return { value: refL2(q, r), scale: refL2(q, r) };
  if (kind === DistanceKind.IP) {
    return { value: -refDot(q, r), scale: Math.sqrt(refDot(q, q) * refDot(r, r)) };
  }
  return { value: 1 - refCosine(q, r), scale: 1 };
}

function close(got: number, want: number, scale: number, what: string): void {
  assert.ok(
    Math.abs(got - want) <= TOLERANCE * scale,
    `${what}: got ${got}, want ${want} (allowed error ${TOLERANCE * scale})`,
  );
}

/** Expected top-k: the allowed entries of `dist`, stably sorted by distance (ties: lower index). */
function expectedTopK(dist: Float32Array, k: number, allowed: (i: number) => boolean) {
  const order = [...dist.keys()].filter(allowed).sort((a, b) => dist[a] - dist[b] || a - b);
  const rows = order.slice(0, k);
  return { rows, dists: rows.map((i) => dist[i]) };
}

/** An allow bitset over `n` rows with each bit set with probability `p`, plus set bits past `n`. */
function randomBitset(
  n: number,
  p: number,
  seed: number,
): { words: Uint32Array; has: (i: number) => boolean } {
  const rng = new SeededRandom(seed);
  const words = new Uint32Array(Math.ceil(n / 32));
  for (let i = 0; i < n; i++) if (rng.next() < p) words[i >>> 5] |= 1 << (i & 31);
  for (let i = n; i < words.length * 32; i++) words[i >>> 5] |= 1 << (i & 31);
  return { words, has: (i) => i < n && (words[i >>> 5] & (1 << (i & 31))) !== 0 };
}

/** An allow bitset over `n` rows with rows 0, m, 2m, … set. */
function everyNth(n: number, m: number): { words: Uint32Array; has: (i: number) => boolean } {
  const words = new Uint32Array(Math.ceil(n / 32));
  for (let i = 0; i < n; i += m) words[i >>> 5] |= 1 << (i & 31);
  return { words, has: (i) => i < n && i % m === 0 };
}

for (const [name, make] of IMPLEMENTATIONS) {
  describe(`${name} kernels`, () => {
    it('computes l2sq, dot and cosine within 1e-5 of a float64 reference', () => {
      const k = make();
      for (const dim of DIMS) {
        const data = gaussianVectors(16, dim, 1000 + dim);
        const ptr = put(k, data);
        for (let i = 0; i < 8; i++) {
          const a = row(data, i, dim);
          const b = row(data, i + 8, dim);
          const pa = ptr + i * dim * 4;
          const pb = ptr + (i + 8) * dim * 4;
          close(k.l2sq(pa, pb, dim), refL2(a, b), refL2(a, b), `l2sq dim ${dim}`);
          const norms = Math.sqrt(refDot(a, a) * refDot(b, b));
          close(k.dot(pa, pb, dim), refDot(a, b), norms, `dot dim ${dim}`);
          close(k.cosine(pa, pb, dim), refCosine(a, b), 1, `cosine dim ${dim}`);
        }
      }
    });

    it('gives cosine 0 (distance 1) when a norm is zero', () => {
      const k = make();
      const dim = 7;
      const zero = k.alloc(dim * 4);
      const v = put(k, gaussianVectors(1, dim, 5));
      assert.equal(k.cosine(zero, v, dim), 0);
      assert.equal(k.cosine(v, zero, dim), 0);
      const out = k.alloc(4);
      k.scan(DistanceKind.COSINE, v, zero, 1, dim, out);
      assert.equal(k.f32(out, 1)[0], 1);
    });

    it('scans every distance kind within 1e-5 of the reference', () => {
      const k = make();
      const n = 40;
      for (const dim of DIMS) {
        const data = gaussianVectors(n + 1, dim, 2000 + dim);
        const base = put(k, data);
        const query = base + n * dim * 4;
        const out = k.alloc(n * 4);
        for (const kind of KINDS) {
          k.scan(kind, query, base, n, dim, out);
          const got = k.f32(out, n);
          for (let i = 0; i < n; i++) {
            const { value, scale } = refDistance(kind, row(data, n, dim), row(data, i, dim));
            close(got[i], value, scale, `scan kind ${kind} dim ${dim} row ${i}`);
          }
        }
      }
    });

    it('searchTopK equals a stable sort of its own scan under every allow set', () => {
      const k = make();
      const n = 1000;
      const cases = [
        { label: 'all rows', p: -1, k: 10 },
        { label: '50% allowed', p: 0.5, k: 10 },
        { label: '1% allowed', p: 0.01, k: 10 },
        { label: 'none allowed', p: 0, k: 10 },
        { label: 'k > allowed count', p: 0.01, k: 50 },
        { label: 'k > n', p: -1, k: n + 5 },
      ];
      for (const dim of [3, 37, 128, 1000]) {
        const data = gaussianVectors(n + 1, dim, 3000 + dim);
        const base = put(k, data);
        const query = base + n * dim * 4;
        const dist = k.alloc(n * 4);
        const outRows = k.alloc((n + 5) * 4);
        const outDist = k.alloc((n + 5) * 4);
        for (const kind of KINDS) {
          k.scan(kind, query, base, n, dim, dist);
          const scanned = k.f32(dist, n).slice();
          for (const c of cases) {
            const bits = c.p < 0 ? undefined : randomBitset(n, c.p, 4000 + dim);
            const allow = bits === undefined ? 0 : putWords(k, bits.words);
            const count = k.searchTopK(kind, query, base, n, dim, c.k, allow, outRows, outDist);
            const want = expectedTopK(scanned, c.k, bits?.has ?? (() => true));
            const what = `${c.label}, kind ${kind}, dim ${dim}`;
            assert.equal(count, want.rows.length, what);
            assert.deepEqual([...k.u32(outRows, count)], want.rows, what);
            assert.deepEqual([...k.f32(outDist, count)], want.dists, what);
            k.free(allow);
          }
        }
      }
    });

    it('keeps the lower row first among equal distances', () => {
      // b = -a/2 ranks after a under every kind.
      const k = make();
      const dim = 5;
      const a = gaussianVectors(1, dim, 6);
      const b = a.map((x) => -0.5 * x);
      const data = new Float32Array(20 * dim);
      for (let i = 0; i < 20; i++) data.set(i % 2 === 0 ? a : b, i * dim);
      const base = put(k, data);
      const query = put(k, a);
      const outRows = k.alloc(64);
      const outDist = k.alloc(64);
      for (const kind of KINDS) {
        const count = k.searchTopK(kind, query, base, 20, dim, 5, 0, outRows, outDist);
        assert.equal(count, 5);
        assert.deepEqual([...k.u32(outRows, 5)], [0, 2, 4, 6, 8], `kind ${kind}`);
        const count12 = k.searchTopK(kind, query, base, 20, dim, 12, 0, outRows, outDist);
        assert.deepEqual(
          [...k.u32(outRows, count12)],
          [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 1, 3],
          `kind ${kind}`,
        );
      }
      const values = put(k, new Float32Array([3, 1, 2, 1, 1, 0, 1]));
      assert.equal(k.selectTopK(values, 7, 4, outRows, outDist), 4);
      assert.deepEqual([...k.u32(outRows, 4)], [5, 1, 3, 4]);
      assert.deepEqual([...k.f32(outDist, 4)], [0, 1, 1, 1]);
    });

    it('keeps the lowest rows among ties wherever they fall in the interleaved streams', () => {
      // Every row is one of 5 vectors, so each distance is shared by ~n/5 rows spread over
      // all streams; n is odd so the streams differ in length. All rows and 90% allowed take the
      // streams; every 8th and every 20th row (below 1 in 4) take the sparse, row-order path.
      const k = make();
      const n = 203;
      for (const dim of [5, 128, 784]) {
        const distinct = gaussianVectors(6, dim, 7000 + dim);
        const data = new Float32Array(n * dim);
        for (let i = 0; i < n; i++) data.set(row(distinct, (i * 7) % 5, dim), i * dim);
        const base = put(k, data);
        const query = put(k, row(distinct, 5, dim));
        const dist = k.alloc(n * 4);
        const outRows = k.alloc(n * 4);
        const outDist = k.alloc(n * 4);
        for (const kind of KINDS) {
          k.scan(kind, query, base, n, dim, dist);
          const scanned = k.f32(dist, n).slice();
          const sets = [
            { label: 'all rows', bits: undefined },
            { label: '90% allowed', bits: randomBitset(n, 0.9, 7100 + dim) },
            { label: 'every 8th row', bits: everyNth(n, 8) },
            { label: 'every 20th row', bits: everyNth(n, 20) },
          ];
          for (const { label, bits } of sets) {
            const allow = bits === undefined ? 0 : putWords(k, bits.words);
            for (const topK of [1, 3, 10, 50, n]) {
              const count = k.searchTopK(kind, query, base, n, dim, topK, allow, outRows, outDist);
              const want = expectedTopK(scanned, topK, bits?.has ?? (() => true));
              const what = `kind ${kind}, dim ${dim}, ${label}, k ${topK}`;
              assert.deepEqual([...k.u32(outRows, count)], want.rows, what);
              assert.deepEqual([...k.f32(outDist, count)], want.dists, what);
            }
            k.free(allow);
          }
        }
      }
    });

    it('searchTopK handles fewer rows than streams', () => {
      const k = make();
      const dim = 16;
      const data = gaussianVectors(4, dim, 12);
      const base = put(k, data);
      const query = base + 3 * dim * 4;
      const dist = k.alloc(12);
      const outRows = k.alloc(16);
      const outDist = k.alloc(16);
      for (const kind of KINDS) {
        for (const n of [1, 2, 3]) {
          k.scan(kind, query, base, n, dim, dist);
          const want = expectedTopK(k.f32(dist, n).slice(), 4, () => true);
          const count = k.searchTopK(kind, query, base, n, dim, 4, 0, outRows, outDist);
          assert.deepEqual([...k.u32(outRows, count)], want.rows, `kind ${kind}, n ${n}`);
          assert.deepEqual([...k.f32(outDist, count)], want.dists, `kind ${kind}, n ${n}`);
        }
      }
    });

    it('selectTopK equals a stable sort, for k from 0 to beyond n', () => {
      const k = make();
      const n = 5000;
      const rng = new SeededRandom(8);
      const values = new Float32Array(n).map(() => Math.round(rng.gaussian() * 20) / 10);
      const dist = put(k, values);
      const outRows = k.alloc((n + 10) * 4);
      const outDist = k.alloc((n + 10) * 4);
      for (const topK of [0, 1, 10, 100, n, n + 10]) {
        const count = k.selectTopK(dist, n, topK, outRows, outDist);
        const want = expectedTopK(values, topK, () => true);
        assert.equal(count, want.rows.length, `k ${topK}`);
        assert.deepEqual([...k.u32(outRows, count)], want.rows, `k ${topK}`);
        assert.deepEqual([...k.f32(outDist, count)], want.dists, `k ${topK}`);
      }
      assert.equal(k.selectTopK(dist, 0, 10, outRows, outDist), 0);
    });

    it('keeps data and pointers valid across memory growth', () => {
      const k = make();
      const dim = 128;
      const data = gaussianVectors(2, dim, 9);
      const ptr = put(k, data);
      const before = k.l2sq(ptr, ptr + dim * 4, dim);
      const oldView = k.f32(ptr, 2 * dim);
      const pagesBefore = k.memory.buffer.byteLength / PAGE_BYTES;
      const big = k.alloc(32 * 1024 * 1024);
      assert.ok(k.memory.buffer.byteLength / PAGE_BYTES > pagesBefore, 'memory grew');
      if (k.memory.buffer instanceof SharedArrayBuffer) {
        // A shared memory never detaches: old views keep their length and see the same bytes.
        assert.deepEqual(oldView, data, 'views of a shared memory survive growth');
      } else {
        assert.equal(oldView.length, 0, 'views taken before growth are detached');
      }
      assert.deepEqual(k.f32(ptr, 2 * dim), data);
      assert.equal(k.l2sq(ptr, ptr + dim * 4, dim), before);
      assert.ok(k.f32(big, 8 * 1024 * 1024).every((x) => x === 0));
    });
  });
}

describe('wasm and js kernels agree', () => {
  it('on the top-10 rows of every distance kind', () => {
    const wasm = wasmKernels();
    const js = jsKernels();
    const n = 2000;
    const dim = 64;
    const data = gaussianVectors(n + 5, dim, 10);
    const results = [wasm, js].map((k) => {
      const base = put(k, data);
      const outRows = k.alloc(40);
      const outDist = k.alloc(40);
      return KINDS.flatMap((kind) =>
        [0, 1, 2, 3, 4].map((q) => {
          const count = k.searchTopK(kind, base + (n + q) * dim * 4, base, n, dim, 10, 0, outRows, outDist);
          return [...k.u32(outRows, count)];
        }),
      );
    });
    assert.deepEqual(results[0], results[1]);
  });
});

describe('LinearAllocator', () => {
  const fresh = (pages = 1, maximum = MAX_PAGES) =>
    new LinearAllocator(new WebAssembly.Memory({ initial: pages, maximum }), 1000);

  it('hands out 16-byte aligned, disjoint blocks at or above its base', () => {
    const a = fresh();
    const blocks = [1, 3, 16, 17, 100, 4096].map((bytes) => ({ ptr: a.alloc(bytes), bytes }));
    for (const { ptr } of blocks) {
      assert.equal(ptr % ALIGN, 0);
      assert.ok(ptr >= 1000);
    }
    const sorted = [...blocks].sort((x, y) => x.ptr - y.ptr);
    for (let i = 1; i < sorted.length; i++) {
      assert.ok(sorted[i - 1].ptr + sorted[i - 1].bytes <= sorted[i].ptr, 'blocks overlap');
    }
  });

  it('zero-fills blocks, including reused ones', () => {
    const a = fresh();
    const p = a.alloc(256);
    new Uint8Array(a.memory.buffer, p, 256).fill(0xab);
    a.alloc(16);
    a.free(p);
    const q = a.alloc(200);
    assert.equal(q, p, 'first fit reuses the freed block');
    assert.ok(new Uint8Array(a.memory.buffer, q, 208).every((x) => x === 0));
  });

  it('coalesces adjacent free blocks and returns the top block to the untouched region', () => {
    const a = fresh();
    const x = a.alloc(64);
    const y = a.alloc(64);
    const z = a.alloc(64);
    const guard = a.alloc(16);
    a.free(x);
    a.free(z);
    assert.equal(a.freeList().length, 2);
    a.free(y);
    assert.deepEqual(a.freeList(), [{ ptr: x, size: 192 }]);
    assert.equal(a.alloc(192), x, 'the coalesced block fits a request no single block could');
    const top = a.heapTop;
    a.free(guard);
    assert.equal(a.heapTop, top - 16);
    a.free(x);
    assert.deepEqual(a.freeList(), []);
    assert.equal(a.heapTop, a.base);
    assert.equal(a.allocatedBytes, 0);
  });

  it('grows the memory and keeps existing data intact', () => {
    const a = fresh(1);
    const p = a.alloc(1000);
    new Uint8Array(a.memory.buffer, p, 1000).fill(7);
    const q = a.alloc(5 * PAGE_BYTES);
    assert.ok(a.memory.buffer.byteLength >= q + 5 * PAGE_BYTES);
    assert.ok(new Uint8Array(a.memory.buffer, p, 1000).every((x) => x === 7));
  });

  it('extends the highest block in place (zero-filled), and no other block', () => {
    const a = fresh(1);
    const low = a.alloc(64);
    const p = a.alloc(256);
    new Uint8Array(a.memory.buffer, p, 256).fill(9);
    assert.equal(a.endsAtTop(p), true);
    assert.equal(a.endsAtTop(low), false);
    assert.equal(a.extend(low, 128), false, 'a block below another cannot grow in place');
    assert.equal(a.extend(p, 100), false, 'not larger than it is');
    assert.equal(a.extend(p, 3 * PAGE_BYTES), true);
    assert.equal(a.sizeOf(p), 3 * PAGE_BYTES);
    assert.equal(a.heapTop, p + 3 * PAGE_BYTES);
    assert.ok(a.memory.buffer.byteLength >= p + 3 * PAGE_BYTES);
    const bytes = new Uint8Array(a.memory.buffer, p, 3 * PAGE_BYTES);
    assert.ok(
      bytes.subarray(0, 256).every((x) => x === 9),
      'the old bytes stay',
    );
    assert.ok(
      bytes.subarray(256).every((x) => x === 0),
      'the new bytes are zero',
    );
    // Bytes freed above and handed out again are zeroed when the block grows over them.
    const above = a.alloc(64);
    new Uint8Array(a.memory.buffer, above, 64).fill(5);
    a.free(above);
    assert.equal(a.extend(p, 3 * PAGE_BYTES + 64), true);
    assert.ok(new Uint8Array(a.memory.buffer, p + 3 * PAGE_BYTES, 64).every((x) => x === 0));
    assert.equal(a.allocatedBytes, 64 + 3 * PAGE_BYTES + 64);
    assert.equal(a.extend(p + 16, 4096), false, 'a foreign pointer');
  });

  it('rejects bad sizes, double frees and foreign pointers; freeing 0 is a no-op', () => {
    const a = fresh();
    assert.throws(() => a.alloc(0), RangeError);
    assert.throws(() => a.alloc(-5), RangeError);
    assert.throws(() => a.alloc(1.5), RangeError);
    const p = a.alloc(32);
    a.free(0);
    a.free(p);
    assert.throws(() => a.free(p), RangeError);
    assert.throws(() => a.free(p + 16), RangeError);
  });

  it('throws RangeError when wasm32 memory or the memory maximum is exhausted', () => {
    assert.throws(() => fresh().alloc(2 ** 32), /out of wasm32 memory/);
    const small = fresh(1, 2);
    small.alloc(PAGE_BYTES);
    assert.throws(() => small.alloc(2 * PAGE_BYTES), RangeError);
  });
});

describe('kernel loading', () => {
  it('returns one shared instance and independent named instances', () => {
    assert.equal(kernels(), kernels());
    const wasm = wasmKernels();
    const js = jsKernels();
    assert.equal(wasm.kind, 'wasm-simd');
    assert.equal(js.kind, 'js');
    assert.notEqual(wasm.memory, wasmKernels().memory);
    assert.notEqual(js.memory, jsKernels().memory);
  });
});

describe('binary distance kinds (HAMMING, JACCARD over packed u32 words)', () => {
  const popcount = (x: number) => x.toString(2).replaceAll('0', '').length;
  const rng = new SeededRandom(5);
  const words = 9;
  const n = 300;
  const data = Uint32Array.from({ length: (n + 1) * words }, () => rng.int(2 ** 32) >>> 0);
  data.fill(0, n * words, n * words + words - 1); // the query: almost empty, so Jaccard sees small unions
  const reference = (kind: DistanceKind, r: number) => {
    let differ = 0;
    let both = 0;
    let either = 0;
    for (let i = 0; i < words; i++) {
      const x = data[n * words + i];
      const y = data[r * words + i];
      differ += popcount((x ^ y) >>> 0);
      both += popcount((x & y) >>> 0);
      either += popcount((x | y) >>> 0);
    }
    if (kind === DistanceKind.HAMMING) return differ;
    return either === 0 ? 0 : Math.fround(1 - both / either);
  };
  for (const [name, make] of IMPLEMENTATIONS) {
    it(`${name}: scan and top-k equal a popcount reference`, () => {
      const k = make();
      const base = putWords(k, data);
      const out = k.alloc(n * 4);
      const outRows = k.alloc(40);
      const outDist = k.alloc(40);
      for (const kind of [DistanceKind.HAMMING, DistanceKind.JACCARD]) {
        k.scan(kind, base + n * words * 4, base, n, words, out);
        const want = Float32Array.from({ length: n }, (_, r) => reference(kind, r));
        assert.deepEqual(k.f32(out, n), want);
        const count = k.searchTopK(kind, base + n * words * 4, base, n, words, 10, 0, outRows, outDist);
        const expected = expectedTopK(want, 10, () => true);
        assert.deepEqual([...k.u32(outRows, count)], expected.rows);
      }
    });
  }
});
