/**
 * The in-memory state of one collection: its sealed segments (each with its tombstones),
 * the growing segment, and the id tracker that maps every live id to exactly one row.
 *
 * Invariants:
 * - every live id has one location (segment slot, offset) and that row is live; every
 *   live row is the location of its id; so `count` is the number of live points;
 * - rows are never moved, only deleted; a new location replaces the old one only after the
 *   old row is deleted;
 * - `version` increases on every change, so derived caches (sorted ids) know when to
 *   rebuild.
 * - The growing segment has an arena of its own (`MemoryArenas.own`), released with it.
 * - Loading defers the first invariant (`addLoaded`): a loaded segment's ids enter the id
 *   tracker in slices on the event loop after it (`settle`), so loading does not wait for
 *   them, and in full before anything reads or changes the tracker (`locate`, `ids`,
 *   `upsert`, `delete`, seal, compaction). `count` counts the pending segments' live rows,
 *   which hold no id twice and no id live elsewhere (they were written so), so it is exact
 *   throughout.
 */
import { CapacityError } from '../errors.js';
import type { MemoryArenas, Placement } from '../kernels/arenas.js';
import type { SegmentPayloadIndex } from '../payload/payload-index.js';
import { type FieldRows, GrowingSegment } from '../segment/growing-segment.js';
import type { FieldLayout, PointId, SegmentView, StoredPayload } from '../segment/segment-view.js';
import type { TombstonedSegment } from '../segment/tombstones.js';
import { IdLocations } from './id-locations.js';

/** Rows a slice of `settle` on the event loop covers (a few ms). */
const SETTLE_SLICE_ROWS = 1 << 16;

export interface Location {
  view: SegmentView;
  offset: number;
}

export class SegmentSet {
  sealed: TombstonedSegment[] = [];
  growing: GrowingSegment;
  version = 0;
  /** Each live id's segment slot and row offset (id-locations.ts: typed arrays, not a Map, for load speed). */
  private readonly locations = new IdLocations();
  private readonly bySlot = new Map<number, SegmentView>();
  private readonly slotOf = new Map<SegmentView, number>();
  private nextSlot = 1;
  /** Loaded segments whose ids are not in `locations` yet, the first from row `next` on. */
  private pending: { part: TombstonedSegment; slot: number; next: number }[] = [];
  /** Live rows of `pending` not in `locations` yet. */
  private pendingLive = 0;
  private settling = false;

  /** `payloadIndexOf` makes the payload index of a segment over its payloads (empty for a new growing segment). */
  constructor(
    private readonly arenas: MemoryArenas,
    readonly layout: readonly FieldLayout[],
    readonly payloadIndexOf: (payloads: readonly StoredPayload[]) => SegmentPayloadIndex,
  ) {
    this.growing = this.newGrowingSegment();
    this.register(this.growing);
  }

  get count(): number {
    return this.locations.size + this.pendingLive;
  }

  /** Every segment, sealed ones first, the growing one last. */
  views(): SegmentView[] {
    return [...this.sealed, this.growing];
  }

  locate(id: PointId): Location | undefined {
    this.settle();
    const slot = this.locations.slotOf(id);
    if (slot < 0) return undefined;
    return { view: this.bySlot.get(slot)!, offset: this.locations.foundOffset };
  }

  /** Every live id, in no particular order. */
  ids(): IterableIterator<PointId> {
    this.settle();
    return this.locations.ids();
  }

  /** Appends rows to the growing segment, replacing earlier versions of the same ids (later duplicates win). */
  upsert(ids: readonly PointId[], fields: readonly FieldRows[], payloads: readonly StoredPayload[]): void {
    this.settle();
    const first = this.growing.append(ids, fields, payloads);
    const slot = this.slotOf.get(this.growing)!;
    for (let i = 0; i < ids.length; i++) {
      this.deleteRow(ids[i]);
      this.locations.set(ids[i], slot, first + i);
    }
    this.version++;
  }

  /** Deletes the given ids; returns how many existed. */
  delete(ids: readonly PointId[]): number {
    this.settle();
    let deleted = 0;
    for (const id of ids) {
      if (this.deleteRow(id)) {
        this.locations.delete(id);
        deleted++;
      }
    }
    if (deleted > 0) this.version++;
    return deleted;
  }

  /** Adds a sealed segment and points its live rows' ids at it. */
  addSealed(part: TombstonedSegment): void {
    this.settle();
    this.sealed.push(part);
    this.register(part);
  }

  /** Makes room in the id tracker for `count` more ids (before loading adds that many), so it grows once. */
  reserveIds(count: number): void {
    this.locations.reserve(count);
  }

  /**
   * Adds a sealed segment read at load time, whose ids enter the tracker later (`settle`):
   * in slices on the event loop from now on, or all at once when something needs them.
   */
  addLoaded(part: TombstonedSegment): void {
    this.sealed.push(part);
    const slot = this.nextSlot++;
    this.bySlot.set(slot, part);
    this.slotOf.set(part, slot);
    this.pending.push({ part, slot, next: 0 });
    this.pendingLive += part.liveCount;
    if (!this.settling) {
      this.settling = true;
      setImmediate(() => this.settleInSlices());
    }
  }

  /**
   * Puts the pending segments' ids in the tracker: all of them, or the rows of about `budget`
   * (a slice). Returns whether none are left.
   */
  settle(budget = Number.POSITIVE_INFINITY): boolean {
    while (this.pending.length > 0 && budget > 0) {
      const p = this.pending[0];
      const { part, slot } = p;
      if (p.next === 0) this.locations.reserve(this.pendingLive);
      const end = Math.min(part.rows, p.next + budget);
      let added = 0;
      for (let offset = p.next; offset < end; offset++) {
        if (part.isLive(offset)) {
          this.locations.set(part.id(offset), slot, offset);
          added++;
        }
      }
      this.pendingLive -= added;
      budget -= end - p.next;
      p.next = end;
      if (end === part.rows) this.pending.shift();
    }
    return this.pending.length === 0;
  }

  /** Settles a slice per turn of the event loop until nothing is pending (loading goes on meanwhile). */
  private settleInSlices(): void {
    if (this.settle(SETTLE_SLICE_ROWS)) this.settling = false;
    else setImmediate(() => this.settleInSlices());
  }

  /**
   * After a seal: `sealedFromGrowing` (if any) holds exactly the live rows of the current
   * growing segment in offset order; it takes over their ids, and `next` (a new empty
   * growing segment, made before the seal committed so that this cannot fail) replaces
   * the old one. Without `next` (the growing segment has no rows) nothing else changes.
   */
  sealGrowing(sealedFromGrowing: readonly TombstonedSegment[], next: GrowingSegment | undefined): void {
    this.settle();
    if (next === undefined) {
      for (const part of sealedFromGrowing) this.addSealed(part);
      this.version++;
      return;
    }
    const old = this.growing;
    this.growing = next;
    this.register(next);
    for (const part of sealedFromGrowing) this.addSealed(part);
    this.forget(old);
    this.version++;
  }

  /** Replaces `removed` sealed segments by `added` ones holding the same live points (compaction). */
  replaceSealed(removed: readonly TombstonedSegment[], added: readonly TombstonedSegment[]): void {
    this.settle();
    const gone = new Set(removed);
    this.sealed = this.sealed.filter((p) => !gone.has(p));
    for (const part of added) this.addSealed(part);
    for (const part of removed) this.forget(part);
    this.version++;
  }

  dispose(): void {
    for (const part of this.sealed) part.segment.dispose();
    this.growing.dispose();
    this.sealed = [];
    this.pending = [];
    this.pendingLive = 0;
    this.locations.clear();
  }

  private register(view: SegmentView): void {
    const slot = this.nextSlot++;
    this.bySlot.set(slot, view);
    this.slotOf.set(view, slot);
    this.locations.reserve(view.rows);
    for (let offset = 0; offset < view.rows; offset++) {
      if (view.isLive(offset)) this.locations.set(view.id(offset), slot, offset);
    }
  }

  /** Drops a segment whose live rows now live elsewhere, and frees its memory. */
  private forget(view: SegmentView): void {
    const slot = this.slotOf.get(view)!;
    this.slotOf.delete(view);
    this.bySlot.delete(slot);
    if (view instanceof GrowingSegment) view.dispose();
    else (view as TombstonedSegment).segment.dispose();
  }

  private deleteRow(id: PointId): boolean {
    const at = this.locate(id);
    if (!at) return false;
    (at.view as GrowingSegment | TombstonedSegment).delete(at.offset);
    return true;
  }

  /**
   * A new empty growing segment (not yet part of the set) in an arena of its own, so the
   * memory of the one it replaces is returned with its arena; when the budget has no room
   * for a new arena, in the arena of the current growing segment, whose memory it reuses
   * once that one is freed. An empty growing segment allocates nothing.
   */
  newGrowingSegment(): GrowingSegment {
    let placement: Placement;
    try {
      placement = this.arenas.own();
    } catch (err) {
      if (!(err instanceof CapacityError) || this.growing === undefined) throw err;
      placement = this.arenas.alongside(this.growing.kernels);
    }
    try {
      return new GrowingSegment(placement.kernels, this.layout, this.payloadIndexOf([]), placement.release);
    } catch (err) {
      placement.release();
      throw err;
    }
  }
}
