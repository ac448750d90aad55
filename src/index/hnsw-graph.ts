/**
 * The memory of an HNSW graph in the kernels' linear memory: the header and arrays that
 * `assembly/hnsw.ts` walks, their allocation and growth, per-thread scratch, the
 * serialized form, and the integrity check. It knows nothing of how nodes are chosen or
 * searched; `HnswIndex` drives it.
 *
 * Invariants:
 * - The header mirrors the `G_*` offsets of `assembly/hnsw.ts`; every pointer field is
 *   rewritten by `syncHeader()` before each wasm call, because blocks move when they grow.
 * - Nodes 0..count-1 exist; arrays have room for `capacity` nodes; a node's top level is
 *   fixed when it is created (drawn from the seeded generator), so its block of upper
 *   lists never changes size.
 * - Upper blocks live in arenas (one per batch of new nodes, or one after loading); a
 *   node's entry in the upper table is the address of its block, or 0 at level 0.
 * - Scratch blocks are sized for `capacity` nodes and for `ef` up to their `efMax`;
 *   `scratch()` replaces one that is too small.
 */
import { SeededRandom } from '../eval/random.js';
import { DistanceKind } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { Bitset } from './bitset.js';
import { checkGraph, type GraphLayout } from './hnsw-integrity.js';
import { PHASE_ALIGN, phasedAddress, type VectorStore } from './vector-store.js';

/** Byte offsets of the graph header fields (see `assembly/hnsw.ts`). */
const G = {
  DIM: 0,
  KIND: 4,
  M: 8,
  M0: 12,
  COUNT: 16,
  ENTRY: 24,
  MAX_LEVEL: 28,
  VECTORS: 32,
  LEVEL0: 36,
  LEVELS: 40,
  UPPER: 44,
  LOCKS: 48,
  GLOBAL: 52,
  EF_CONSTRUCTION: 56,
  DELETED: 60,
  DELETED_COUNT: 64,
  NEXT: 68,
  END: 72,
  ORDER: 76,
} as const;
const HEADER_BYTES = 80;

/** Byte offsets of the scratch header fields. */
const S = { VISITED: 0, EPOCH: 4, CANDIDATES: 8, RESULTS: 12, TMP: 16, TMP2: 20, VISITED_CAP: 24 } as const;
const SCRATCH_HEADER = 32;

/** Highest level a node may get (levels are stored as u8; 2^-31 odds make this moot). */
const MAX_LEVEL = 31;

/** "HNSW", little-endian. */
const MAGIC = 0x57534e48;
const FORMAT_VERSION = 1;
const FIXED_FIELDS = 13;

export interface HnswShape {
  dimension: number;
  distance: DistanceKind;
  M: number;
  efConstruction: number;
  seed: number;
}

export interface Scratch {
  ptr: number;
  capacity: number;
  efMax: number;
}

export class HnswGraph {
  readonly header: number;
  readonly M0: number;
  private capacityNodes = 0;
  private level0 = 0;
  /** The level-0 block as allocated (level0 lies up to a page into it when phased). */
  private level0Block = 0;
  private levels = 0;
  private upper = 0;
  private deleted = 0;
  private locks = 0;
  private readonly arenas: number[] = [];
  private readonly scratches: Scratch[] = [];
  /** Draws the nodes' levels (seeded, so that builds are reproducible; its state is saved). */
  private rng: SeededRandom;
  /** The store address last written into the header (`syncVectors`). */
  private syncedVectors = -1;
  private headerWords: Uint32Array | undefined;

  constructor(
    readonly kernels: WasmKernels,
    readonly shape: HnswShape,
    readonly store: VectorStore,
  ) {
    this.M0 = shape.M * 2;
    this.rng = new SeededRandom(shape.seed >>> 0 || 1);
    this.header = kernels.alloc(HEADER_BYTES);
    const h = this.words();
    h[G.DIM / 4] = shape.dimension;
    h[G.KIND / 4] = shape.distance;
    h[G.M / 4] = shape.M;
    h[G.M0 / 4] = this.M0;
    h[G.EF_CONSTRUCTION / 4] = shape.efConstruction;
    new Int32Array(kernels.memory.buffer, this.header + G.MAX_LEVEL, 1)[0] = -1;
  }

  get count(): number {
    return this.words()[G.COUNT / 4];
  }

  get capacity(): number {
    return this.capacityNodes;
  }

  get maxLevel(): number {
    return new Int32Array(this.kernels.memory.buffer, this.header + G.MAX_LEVEL, 1)[0];
  }

  get entry(): number {
    return this.words()[G.ENTRY / 4];
  }

  get deletedCount(): number {
    return this.words()[G.DELETED_COUNT / 4];
  }

  /** Bytes of linear memory held by the graph (not the vectors, not scratch). */
  get byteLength(): number {
    let bytes = HEADER_BYTES;
    for (const ptr of [this.level0Block, this.levels, this.upper, this.deleted, this.locks, ...this.arenas]) {
      bytes += this.kernels.allocator.sizeOf(ptr) ?? 0;
    }
    return bytes;
  }

  /**
   * Bytes of the per-node structures summed over the nodes, without capacity slack: each
   * node's level-0 list (M0 + 1 words), level byte, upper-table word, and its upper lists
   * (M + 1 words per level above 0).
   */
  get nodeBytes(): number {
    const n = this.count;
    const levels = this.bytes(this.levels, n);
    let upperLevels = 0;
    for (let i = 0; i < n; i++) upperLevels += levels[i];
    return n * ((this.M0 + 1) * 4 + 1 + 4) + upperLevels * (this.shape.M + 1) * 4;
  }

  /** Bytes of scratch blocks (per-thread visited sets and heaps). */
  get scratchBytes(): number {
    let bytes = 0;
    for (const s of this.scratches) if (s) bytes += this.kernels.allocator.sizeOf(s.ptr) ?? 0;
    return bytes;
  }

  /**
   * Ensures room for `capacity` nodes, copying what exists into larger arrays. `level0Phase`,
   * when given, puts the level-0 lists at an address ≡ it (mod `PHASE_ALIGN`), so that an
   * index file can be read into them direct (db/index-read.ts).
   */
  reserve(capacity: number, level0Phase?: number): void {
    if (capacity <= this.capacityNodes) return;
    const k = this.kernels;
    const n = this.count;
    const listWords = this.M0 + 1;
    const level0Block = k.alloc(capacity * listWords * 4 + (level0Phase === undefined ? 0 : PHASE_ALIGN));
    const level0 = level0Phase === undefined ? level0Block : phasedAddress(level0Block, level0Phase);
    const levels = k.alloc(capacity);
    const upper = k.alloc(capacity * 4);
    const deleted = k.alloc(Math.ceil(capacity / 32) * 4);
    if (this.capacityNodes > 0) {
      k.u32(level0, n * listWords).set(k.u32(this.level0, n * listWords));
      this.bytes(levels, n).set(this.bytes(this.levels, n));
      k.u32(upper, n).set(k.u32(this.upper, n));
      const words = Math.ceil(this.capacityNodes / 32);
      k.u32(deleted, words).set(k.u32(this.deleted, words));
      for (const ptr of [this.level0Block, this.levels, this.upper, this.deleted]) k.free(ptr);
    }
    this.level0 = level0;
    this.level0Block = level0Block;
    this.levels = levels;
    this.upper = upper;
    this.deleted = deleted;
    this.capacityNodes = capacity;
    if (this.locks !== 0) {
      k.free(this.locks);
      this.locks = 0;
    }
    this.syncHeader();
  }

  /**
   * Creates nodes count..count+n-1 with seeded random top levels and empty lists, and
   * allocates one arena for their upper blocks. Their vectors must already be in the store.
   * Returns the first new node.
   */
  createNodes(n: number): number {
    const first = this.count;
    this.reserve(first + n);
    const mL = 1 / Math.log(this.shape.M);
    const drawn = new Uint8Array(n);
    let upperWords = 0;
    for (let i = 0; i < n; i++) {
      const level = Math.min(MAX_LEVEL, Math.floor(-Math.log(1 - this.rng.next()) * mL));
      drawn[i] = level;
      upperWords += level * (this.shape.M + 1);
    }
    const arena = upperWords > 0 ? this.kernels.alloc(upperWords * 4) : 0;
    if (arena !== 0) this.arenas.push(arena);
    this.bytes(this.levels + first, n).set(drawn);
    const table = this.kernels.u32(this.upper + first * 4, n);
    let at = arena;
    for (let i = 0; i < n; i++) {
      table[i] = drawn[i] > 0 ? at : 0;
      at += drawn[i] * (this.shape.M + 1) * 4;
    }
    this.words()[G.COUNT / 4] = first + n;
    this.syncHeader();
    return first;
  }

  /**
   * Rewrites the header's vector address if the store's rows moved since the last
   * `syncHeader` (the store may be another's, which appends to it); every other block
   * moves only in methods of this class, which sync the header themselves.
   */
  syncVectors(): void {
    if (this.store.ptr !== this.syncedVectors) this.syncHeader();
  }

  /** Writes the current block addresses into the header (blocks move when they grow). */
  syncHeader(): void {
    this.syncedVectors = this.store.ptr;
    const h = this.words();
    h[G.VECTORS / 4] = this.store.ptr;
    h[G.LEVEL0 / 4] = this.level0;
    h[G.LEVELS / 4] = this.levels;
    h[G.UPPER / 4] = this.upper;
    h[G.LOCKS / 4] = this.locks;
    h[G.DELETED / 4] = this.deleted;
  }

  /**
   * Turns per-node locks on (for a parallel build) or off, and sets the claim range and the
   * insertion order of its claims (`order`: the address of a u32 permutation of from..to-1,
   * or 0 for row order).
   */
  setParallel(on: boolean, from = 0, to = 0, order = 0): void {
    if (on && this.locks === 0) this.locks = this.kernels.alloc(Math.max(this.capacityNodes, 1) * 4);
    if (!on && this.locks !== 0) {
      this.kernels.free(this.locks);
      this.locks = 0;
    }
    const h = this.words();
    h[G.GLOBAL / 4] = 0;
    h[G.NEXT / 4] = from;
    h[G.END / 4] = to;
    h[G.ORDER / 4] = order;
    this.syncHeader();
  }

  /** A scratch block for one thread with room for the current capacity and `ef`. */
  scratch(slot: number, ef: number): Scratch {
    const efMax = Math.max(ef, this.shape.efConstruction);
    const have = this.scratches[slot];
    if (have && have.capacity >= this.capacityNodes && have.efMax >= efMax) return have;
    if (have) this.kernels.free(have.ptr);
    const capacity = Math.max(this.capacityNodes, 1);
    const neighbourhood = this.M0 + this.M0 * this.M0 + 2;
    const visitedBytes = Math.ceil(capacity / 2) * 4; // a u16 mark per node
    const candidateBytes = Math.max(capacity, neighbourhood) * 8;
    const resultBytes = (efMax + 2) * 8;
    const tmpBytes = Math.max(efMax + 2, neighbourhood) * 8;
    const tmp2Bytes = (this.M0 + 2) * 8;
    const ptr = this.kernels.alloc(
      SCRATCH_HEADER + visitedBytes + candidateBytes + resultBytes + tmpBytes + tmp2Bytes,
    );
    const h = this.kernels.u32(ptr, SCRATCH_HEADER / 4);
    let at = ptr + SCRATCH_HEADER;
    h[S.VISITED / 4] = at;
    at += visitedBytes;
    h[S.CANDIDATES / 4] = at;
    at += candidateBytes;
    h[S.RESULTS / 4] = at;
    at += resultBytes;
    h[S.TMP / 4] = at;
    at += tmpBytes;
    h[S.TMP2 / 4] = at;
    h[S.EPOCH / 4] = 0;
    h[S.VISITED_CAP / 4] = capacity;
    const made = { ptr, capacity: this.capacityNodes, efMax };
    this.scratches[slot] = made;
    return made;
  }

  /** Frees the scratch blocks of slots >= `from` (worker scratch after a build). */
  releaseScratch(from: number): void {
    for (let i = from; i < this.scratches.length; i++)
      if (this.scratches[i]) this.kernels.free(this.scratches[i].ptr);
    this.scratches.length = Math.min(this.scratches.length, from);
  }

  isDeleted(node: number): boolean {
    return ((this.kernels.u32(this.deleted + (node >>> 5) * 4, 1)[0] >>> (node & 31)) & 1) === 1;
  }

  /** Marks or unmarks `node` deleted, keeping the header's count. */
  setDeleted(node: number, deleted: boolean): void {
    if (this.isDeleted(node) === deleted) return;
    const word = this.kernels.u32(this.deleted + (node >>> 5) * 4, 1);
    word[0] ^= 1 << (node & 31);
    this.words()[G.DELETED_COUNT / 4] += deleted ? 1 : -1;
  }

  /** The deleted nodes as a bitset of `count` bits (a copy). */
  deletedBitset(): Bitset {
    const n = this.count;
    return new Bitset(n, this.kernels.u32(this.deleted, Math.ceil(n / 32)).slice());
  }

  levelOf(node: number): number {
    return this.bytes(this.levels + node, 1)[0];
  }

  /** A copy of `node`'s links on `level`. */
  links(node: number, level: number): Uint32Array {
    const list = this.listAddress(node, level);
    const n = this.kernels.u32(list, 1)[0];
    return this.kernels.u32(list + 4, n).slice();
  }

  /**
   * Throws if an invariant of the graph does not hold (see `assembly/hnsw.ts`; the check is
   * hnsw-integrity.ts). `level0From`: the level-0 lists of nodes below it were checked already
   * (a graph read into place checks them as they arrive), so they are skipped.
   */
  checkIntegrity(level0From = 0): void {
    checkGraph(this, level0From);
  }

  /** Addresses of the level-0 lists, the level bytes and the upper-block table (for the integrity check). */
  get layout(): GraphLayout {
    return { level0: this.level0, levels: this.levels, upper: this.upper };
  }

  /** The graph (not the vectors) in the versioned layout documented in `docs/format.md`. */
  serialize(): Uint8Array {
    const n = this.count;
    const listWords = this.M0 + 1;
    const levels = this.bytes(this.levels, n).slice();
    let upperWords = 0;
    for (let i = 0; i < n; i++) upperWords += levels[i] * (this.shape.M + 1);
    const levelBytes = Math.ceil(n / 4) * 4;
    const deletedWords = Math.ceil(n / 32);
    const total = FIXED_FIELDS * 4 + levelBytes + (n * listWords + upperWords + deletedWords) * 4;
    const out = new Uint8Array(total);
    const words = new Uint32Array(out.buffer);
    const fixed = [
      MAGIC,
      FORMAT_VERSION,
      this.shape.dimension,
      this.shape.distance,
      this.shape.M,
      this.shape.efConstruction,
      this.shape.seed >>> 0,
      this.rng.state,
      n,
      this.entry,
      this.maxLevel >>> 0,
      this.deletedCount,
      upperWords,
    ];
    words.set(fixed, 0);
    out.set(levels, FIXED_FIELDS * 4);
    let at = (FIXED_FIELDS * 4 + levelBytes) / 4;
    words.set(this.kernels.u32(this.level0, n * listWords), at);
    at += n * listWords;
    const table = this.kernels.u32(this.upper, n).slice();
    for (let i = 0; i < n; i++) {
      const w = levels[i] * (this.shape.M + 1);
      if (w > 0) words.set(this.kernels.u32(table[i], w), at);
      at += w;
    }
    words.set(this.kernels.u32(this.deleted, deletedWords), at);
    return out;
  }

  /**
   * Rebuilds a graph from `serialize()` output over `store` (which must hold its vectors).
   * @throws Error naming what is wrong when the bytes are not a graph this version reads.
   */
  static deserialize(kernels: WasmKernels, bytes: Uint8Array, store: VectorStore): HnswGraph {
    if (bytes.byteLength < FIXED_FIELDS * 4 || bytes.byteLength % 4 !== 0) {
      throw new Error(`hnsw: ${bytes.byteLength} bytes is not a serialized graph`);
    }
    // Read only: a view when aligned (an index file's body is), else an aligned copy.
    const words =
      (bytes.byteOffset & 3) === 0
        ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
        : new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const placed = HnswGraph.place(kernels, words.subarray(0, FIXED_FIELDS), bytes.byteLength, store);
    try {
      let at = FIXED_FIELDS * 4;
      for (const region of placed.regions) {
        region.set(bytes.subarray(at, at + region.length));
        at += region.length;
      }
      placed.finish();
      return placed.graph;
    } catch (err) {
      placed.graph.dispose();
      throw err;
    }
  }

  /** Bytes of the fixed fields that begin a serialized graph (`place` reads them first). */
  static readonly FIXED_BYTES = FIXED_FIELDS * 4;

  /**
   * The first step of deserializing a graph of `length` bytes whose fixed fields are `fixed`
   * (its first `FIXED_BYTES`), for a reader that writes the rest into place: checks the
   * fields against `store` and `length`, allocates the graph, and returns it with the
   * `regions` the rest of the serialized bytes go to, in order (the node levels in JS
   * memory; the level-0 lists, upper lists and deleted bits in linear memory: views of a
   * shared memory, valid while it grows; the level-0 lists at an address congruent modulo a
   * page to their position in the file when `bodyPosition`, the body's, is given). Once they
   * are written, `finish` checks the levels
   * and links the upper lists. The caller disposes the graph if anything fails.
   * @throws Error naming what is wrong when the fields are not a graph this version reads.
   */
  static place(
    kernels: WasmKernels,
    fixed: Uint32Array,
    length: number,
    store: VectorStore,
    bodyPosition?: number,
  ): { graph: HnswGraph; regions: Uint8Array[]; finish: () => void } {
    if (length < FIXED_FIELDS * 4 || length % 4 !== 0) {
      throw new Error(`hnsw: ${length} bytes is not a serialized graph`);
    }
    const [
      magic,
      version,
      dimension,
      distance,
      M,
      efConstruction,
      seed,
      rng,
      n,
      entry,
      top,
      deleted,
      upperW,
    ] = fixed;
    if (magic !== MAGIC) throw new Error('hnsw: bad magic');
    if (version !== FORMAT_VERSION) throw new Error(`hnsw: format version ${version} is not supported`);
    if (dimension !== store.dimension) {
      throw new Error(`hnsw: graph dimension ${dimension}, vectors have ${store.dimension}`);
    }
    if (n > store.count) throw new Error(`hnsw: ${n} nodes but only ${store.count} vectors`);
    if ((distance > 2 && distance !== DistanceKind.L1) || M < 2 || M > 1024)
      throw new Error('hnsw: bad parameters');
    const listWords = 2 * M + 1;
    const levelBytes = Math.ceil(n / 4) * 4;
    const deletedWords = Math.ceil(n / 32);
    const expected = FIXED_FIELDS * 4 + levelBytes + (n * listWords + upperW + deletedWords) * 4;
    if (length !== expected) {
      throw new Error(`hnsw: ${length} bytes, the header implies ${expected}`);
    }
    const graph = new HnswGraph(
      kernels,
      { dimension, distance: distance as DistanceKind, M, efConstruction, seed },
      store,
    );
    try {
      graph.rng = new SeededRandom(rng);
      // The level-0 lists lie where the file holds them modulo a page (when it is given where
      // the body starts), so that they can be read into place direct.
      const level0At = bodyPosition === undefined ? undefined : bodyPosition + FIXED_FIELDS * 4 + levelBytes;
      graph.reserve(Math.max(n, 1), level0At === undefined ? undefined : level0At % PHASE_ALIGN);
      const arena = upperW > 0 ? kernels.alloc(upperW * 4) : 0;
      if (arena !== 0) graph.arenas.push(arena);
      const k = kernels;
      k.u32(graph.header + G.COUNT, 1)[0] = n;
      k.u32(graph.header + G.ENTRY, 1)[0] = entry;
      k.u32(graph.header + G.MAX_LEVEL, 1)[0] = top;
      k.u32(graph.header + G.DELETED_COUNT, 1)[0] = deleted;
      const levels = new Uint8Array(levelBytes);
      const regions = [
        levels,
        graph.bytes(graph.level0, n * listWords * 4),
        graph.bytes(arena, upperW * 4),
        graph.bytes(graph.deleted, deletedWords * 4),
      ];
      const finish = () => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += levels[i] * (M + 1);
        if (sum !== upperW) throw new Error('hnsw: upper lists do not match the node levels');
        graph.bytes(graph.levels, n).set(levels.subarray(0, n));
        const table = k.u32(graph.upper, n);
        let block = arena;
        for (let i = 0; i < n; i++) {
          table[i] = levels[i] > 0 ? block : 0;
          block += levels[i] * (M + 1) * 4;
        }
        graph.syncHeader();
      };
      return { graph, regions, finish };
    } catch (err) {
      graph.dispose();
      throw err;
    }
  }

  dispose(): void {
    const k = this.kernels;
    for (const ptr of [this.header, this.level0Block, this.levels, this.upper, this.deleted, this.locks])
      k.free(ptr);
    for (const ptr of this.arenas) k.free(ptr);
    for (const s of this.scratches) if (s) k.free(s.ptr);
    this.arenas.length = 0;
    this.scratches.length = 0;
    this.capacityNodes = 0;
  }

  private listAddress(node: number, level: number): number {
    if (level === 0) return this.level0 + node * (this.M0 + 1) * 4;
    const block = this.kernels.u32(this.upper + node * 4, 1)[0];
    return block + (level - 1) * (this.shape.M + 1) * 4;
  }

  /** The header's words; one view kept while valid (a shared memory's views stay valid as it grows). */
  private words(): Uint32Array {
    const view = this.headerWords;
    if (view !== undefined && view.byteLength !== 0) return view;
    this.headerWords = this.kernels.u32(this.header, HEADER_BYTES / 4);
    return this.headerWords;
  }

  private bytes(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.kernels.memory.buffer, ptr, length);
  }
}
