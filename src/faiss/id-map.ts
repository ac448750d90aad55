/**
 * `IndexIDMap` and `IndexIDMap2`: any index with 64-bit ids of the caller's choosing. The
 * wrapped index numbers its vectors 0..n-1; `idMap[i]` is the id of its vector i, and
 * search results are translated through it (-1 stays -1).
 *
 * Invariants: `idMap` has exactly `index.ntotal` entries; the wrapped index was empty when
 * wrapped (as FAISS requires); `removeIds` removes from the wrapped index (which shifts
 * later vectors down, as FAISS's flat and code indexes do) and compacts `idMap` the same
 * way. `IndexIDMap2` also keeps the reverse map, so it can `reconstruct` by id. (As in FAISS,
 * removal through an id map assumes the wrapped index shifts: wrap flat or code indexes, and
 * give IVF indexes their ids directly with `addWithIds`.)
 */
import { InvalidArgumentError } from '../errors.js';
import { UnsupportedOperationError } from './errors.js';
import {
  type Hits,
  type IdsInput,
  Index,
  type RangeSearchResult,
  type SearchParameters,
  type SearchResult,
  toIds,
  toRows,
  type VectorsInput,
} from './faiss-index.js';

export class IndexIDMap extends Index {
  readonly className: string = 'IndexIDMap';
  protected ids = new BigInt64Array(0);
  protected count = 0;

  /**
   * Python: `faiss.IndexIDMap(index)`. `ids` are the ids of the vectors `index` already
   * holds (as `readIndex` restores them); without them the index must be empty.
   * @throws InvalidArgumentError when `index` holds vectors without one id each.
   */
  constructor(
    readonly index: Index,
    ids?: IdsInput,
  ) {
    super(index.d, index.metricType);
    const list = ids === undefined ? new BigInt64Array(0) : toIds(ids);
    if (index.ntotal !== list.length) {
      throw new InvalidArgumentError(
        `${new.target.name} needs one id per vector: the index holds ${index.ntotal}, ${list.length} ids given`,
      );
    }
    this.appendIds(list);
  }

  get ntotal(): number {
    return this.count;
  }

  override get isTrained(): boolean {
    return this.index.isTrained;
  }

  /** The ids, in the wrapped index's order (a copy). Python: `faiss.vector_to_array(index.id_map)`. */
  get idMap(): BigInt64Array {
    return this.ids.slice(0, this.count);
  }

  /** Python: `index.train(xt)` (trains the wrapped index). */
  override train(x: VectorsInput): Promise<void> {
    return this.index.train(x);
  }

  /** FAISS refuses `add` on an id map: ids must be given. */
  override add(x: VectorsInput): void {
    toRows(x, this.d);
    throw new UnsupportedOperationError(this.className, 'add', 'use addWithIds(x, ids)');
  }

  /** Python: `index.add_with_ids(xb, ids)`. */
  override addWithIds(x: VectorsInput, ids: IdsInput): void {
    const rows = toRows(x, this.d);
    const list = toIds(ids);
    if (list.length * this.d !== rows.length) {
      throw new InvalidArgumentError(`${rows.length / this.d} vectors but ${list.length} ids`);
    }
    this.index.add(rows);
    this.appendIds(list);
  }

  /** Python: `index.remove_ids(np.array(ids))`; returns how many were removed. */
  override removeIds(ids: IdsInput): number {
    const drop = new Set(toIds(ids));
    const offsets: number[] = [];
    for (let i = 0; i < this.count; i++) if (drop.has(this.ids[i])) offsets.push(i);
    if (offsets.length === 0) return 0;
    const removed = this.index.removeIds(offsets);
    let j = 0;
    for (let i = 0; i < this.count; i++) if (!drop.has(this.ids[i])) this.ids[j++] = this.ids[i];
    this.count = j;
    this.idsChanged(0);
    return removed;
  }

  reset(): void {
    this.index.reset();
    this.count = 0;
    this.idsChanged(0);
  }

  override dispose(): void {
    this.index.dispose();
  }

  /** The wrapped index's search of the whole batch (its parallelism), labels translated to ids. */
  override async search(x: VectorsInput, k: number, params: SearchParameters = {}): Promise<SearchResult> {
    const r = await this.index.search(x, k, params);
    return { distances: r.distances, labels: this.translate(r.labels) };
  }

  override async rangeSearch(
    x: VectorsInput,
    radius: number,
    params: SearchParameters = {},
  ): Promise<RangeSearchResult> {
    const r = await this.index.rangeSearch(x, radius, params);
    return { ...r, labels: this.translate(r.labels) };
  }

  protected addRows(): void {
    throw new UnsupportedOperationError(this.className, 'add', 'use addWithIds(x, ids)');
  }

  protected async searchOne(query: Float32Array, k: number, params: SearchParameters): Promise<Hits> {
    const r = await this.index.search(query, k, params);
    return { distances: r.distances, labels: this.translate(r.labels) };
  }

  protected async rangeOne(query: Float32Array, radius: number, params: SearchParameters): Promise<Hits> {
    const r = await this.index.rangeSearch(query, radius, params);
    return { distances: r.distances, labels: this.translate(r.labels) };
  }

  /**
   * Called after the id map changes from position `from` on (IndexIDMap2 updates its reverse
   * map; `from` 0 means rebuild).
   */
  protected idsChanged(_from: number): void {}

  private appendIds(list: BigInt64Array): void {
    if (this.count + list.length > this.ids.length) {
      const next = new BigInt64Array(Math.max(this.count + list.length, this.ids.length * 2));
      next.set(this.ids.subarray(0, this.count));
      this.ids = next;
    }
    this.ids.set(list, this.count);
    this.count += list.length;
    this.idsChanged(this.count - list.length);
  }

  private translate(labels: BigInt64Array): BigInt64Array {
    const out = new BigInt64Array(labels.length);
    for (let i = 0; i < labels.length; i++) out[i] = labels[i] < 0n ? -1n : this.ids[Number(labels[i])];
    return out;
  }
}

/** Python: `faiss.IndexIDMap2(index)`: an id map that can also `reconstruct(id)`. */
export class IndexIDMap2 extends IndexIDMap {
  override readonly className: string = 'IndexIDMap2';
  /** Not a class field: the base constructor fills it (via idsChanged) before fields would initialize. */
  declare private reverse: Map<bigint, number> | undefined;

  /** Python: `index.reconstruct(id)`. @throws InvalidArgumentError for an unknown id. */
  override reconstruct(key: number | bigint): Float32Array {
    const at = this.reverse?.get(BigInt(key));
    if (at === undefined) throw new InvalidArgumentError(`${this.className}: no vector with id ${key}`);
    return this.index.reconstruct(at);
  }

  /** Updates the reverse map (also during the base constructor, before fields exist). */
  protected override idsChanged(from: number): void {
    if (from === 0 || !this.reverse) this.reverse = new Map();
    for (let i = from; i < this.count; i++) this.reverse.set(this.ids[i], i);
  }
}
