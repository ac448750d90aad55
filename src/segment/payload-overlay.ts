/**
 * The payloads of a sealed segment's rows that changed after the segment was written: the
 * mutable side of a segment's payloads, as `Tombstones` are of its rows. The segment (and its
 * file) keeps the payloads it was written with; a row's current payload is its overlay entry
 * when it has one.
 *
 * Invariants: `dirty` is true while entries exist that no committed overlay file holds yet
 * (they are safe in the WAL meanwhile); `file` names the overlay file of the current manifest,
 * if any; an entry is never removed (a row changed twice keeps its latest payload), only
 * dropped with the segment when compaction folds it into a new segment file.
 */
import type { StoredPayload } from './segment-view.js';

export class PayloadOverlay {
  private readonly changed = new Map<number, StoredPayload>();
  dirty = false;

  /** `entries` are the rows of the committed overlay file `file` (none for a new segment). */
  constructor(
    public file: string | undefined = undefined,
    entries: Iterable<readonly [number, StoredPayload]> = [],
  ) {
    for (const [row, payload] of entries) this.changed.set(row, payload);
  }

  /** Number of rows whose payload changed. */
  get size(): number {
    return this.changed.size;
  }

  /** The current payload of `row`: its overlay entry, else `original` (the segment's). */
  payload(row: number, original: StoredPayload): StoredPayload {
    if (this.changed.size === 0) return original;
    const changed = this.changed.get(row);
    return changed === undefined && !this.changed.has(row) ? original : (changed ?? null);
  }

  /** Records the new payload of `row` (not yet in a committed file). */
  set(row: number, payload: StoredPayload): void {
    this.changed.set(row, payload);
    this.dirty = true;
  }

  /** The changed rows among those `keep` accepts, ascending by row (what an overlay file holds). */
  entries(keep: (row: number) => boolean): [number, StoredPayload][] {
    return [...this.changed].filter(([row]) => keep(row)).sort((a, b) => a[0] - b[0]);
  }
}
