/**
 * Where each vector field's rows start in a segment file (format in docs/format.md): the
 * byte offset of its vector section, so that rows can be read in place (positioned reads
 * of `4 · dimension` bytes at `offset + 4 · dimension · row`). No format change is needed
 * for that: every section already starts on a 16-byte boundary at an offset the section
 * table records, and a segment file never changes once written.
 *
 * Callers pass bytes that `decodeSegment` has verified (magic, version, checksums).
 */
import { SectionKind } from './segment-file.js';

const FIXED_HEADER = 28;
const ENTRY = 24;

/** The byte offset of each vector field's section, in field order (version 1: one field). */
export function vectorSectionOffsets(bytes: Uint8Array, fieldCount: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  const sections = new Map<number, number>();
  const count = view.getUint32(24, true);
  for (let i = 0; i < count; i++) {
    const at = FIXED_HEADER + i * ENTRY;
    sections.set(view.getUint32(at, true), view.getFloat64(at + 8, true));
  }
  const offsets: number[] = [];
  for (let field = 0; field < fieldCount; field++) {
    const kind = version === 1 ? SectionKind.VECTORS : SectionKind.FIELD_VECTORS + 2 * field;
    const offset = sections.get(kind);
    if (offset === undefined) throw new RangeError(`segment has no vector section for field ${field}`);
    offsets.push(offset);
  }
  return offsets;
}
