/**
 * How sealed segments' payload overlays (segment/payload-overlay.ts) reach and leave their
 * files, for `CollectionStorage`:
 * - sealing writes a new overlay file for every segment whose overlay changed since the last
 *   manifest (holding all its changed live rows) before committing the manifest that names it,
 *   exactly as tombstone files are written, so the manifest's WAL checkpoint never passes a
 *   payload change that no named file holds;
 * - loading reads the overlay file a manifest entry names before the segment, so the
 *   segment's payload index is built once, over the current payloads;
 * - compaction folds overlays into new segment files: segments whose overlay holds at least
 *   {@link FOLD_FRACTION} of their rows are rewritten (their other reasons to be rewritten,
 *   deletions and small size, fold any overlay too, since rows are copied with their current
 *   payloads).
 */
import { PayloadOverlay } from '../segment/payload-overlay.js';
import type { TombstonedSegment } from '../segment/tombstones.js';
import type { SegmentEntry } from '../storage/manifest.js';
import { decodePayloadOverlay, encodePayloadOverlay } from '../storage/payload-overlay-file.js';

/** Compaction rewrites a segment whose overlay holds at least this fraction of its rows. */
export const FOLD_FRACTION = 1 / 4;

/**
 * Writes, through `staging`, a new overlay file (named by `keyOf`) for every segment among
 * `parts` that still has live rows and whose overlay changed; returns the files by segment.
 */
export async function writeOverlays(
  staging: { put(key: string, data: Uint8Array): Promise<void> },
  parts: readonly TombstonedSegment[],
  keyOf: (part: TombstonedSegment) => string,
): Promise<Map<TombstonedSegment, string>> {
  const written = new Map<TombstonedSegment, string>();
  for (const part of parts) {
    if (!part.overlay.dirty || part.liveCount === 0) continue;
    const file = keyOf(part);
    const entries = part.overlay.entries((row) => part.isLive(row));
    await staging.put(file, encodePayloadOverlay(part.segment.id, part.rows, entries));
    written.set(part, file);
  }
  return written;
}

/** The overlay a manifest entry names (empty when it names none), read with `read`. */
export async function loadOverlay(
  entry: SegmentEntry,
  read: (key: string) => Promise<Uint8Array>,
): Promise<PayloadOverlay> {
  if (entry.payloads === undefined) return new PayloadOverlay();
  const entries = decodePayloadOverlay(await read(entry.payloads), entry.payloads, entry.id, entry.rows);
  return new PayloadOverlay(entry.payloads, entries);
}

/** The segments compaction rewrites to fold their overlay in. */
export function overlaysToFold(parts: readonly TombstonedSegment[]): Set<TombstonedSegment> {
  return new Set(parts.filter((p) => p.overlay.size > 0 && p.overlay.size >= p.rows * FOLD_FRACTION));
}
