/**
 * Segment file format, versions 1 and 2 (specified in docs/format.md).
 *
 * A sealed segment is one immutable file: a header with a section table, then the
 * sections, each 16-byte aligned. Every section carries a CRC-32 and the header carries
 * its own, so a flipped bit anywhere is detected before any data is used; a reader refuses
 * unknown magic, a newer version, an unknown distance kind or inconsistent lengths with a
 * `CorruptDataError` that names the file. Nothing in the file is trusted until checked.
 *
 * Header (little-endian):
 *   0  magic  "QVRSEG\0\1" (8 bytes)
 *   8  u32 format version (1: one unnamed vector per row; 2: named vector fields)
 *  12  u32 dimension (of field 0)
 *  16  u32 row count
 *  20  u32 distance kind of field 0 (0 L2, 1 IP, 2 cosine, 3 Hamming, 4 Jaccard)
 *  24  u32 section count S
 *  28  S × 24-byte entries: u32 kind, u32 crc32, f64 offset, f64 length
 *  28+24S  u32 crc32 of bytes [0, 28+24S)
 */
import { CorruptDataError } from '../errors.js';
import { Bitset } from '../index/bitset.js';
import { DistanceKind } from '../kernels/kernels.js';
import { alignUp, bytesOf, copyFloat32, crc32, fromUtf8, utf8 } from './binary.js';

export const SEGMENT_FORMAT_VERSION = 2;
const MAGIC = Uint8Array.from([0x51, 0x56, 0x52, 0x53, 0x45, 0x47, 0x00, 0x01]); // "QVRSEG\0\1"
const FIXED_HEADER = 28;
const ENTRY = 24;
/** Named vector fields a segment may hold (each takes two sections). */
export const MAX_SEGMENT_FIELDS = 16;

/**
 * Section kinds. Every version requires META, IDS and PAYLOADS. Version 1 (one unnamed
 * vector per row) has VECTORS; version 2 (named vector fields) has, for field i,
 * FIELD_VECTORS + 2i and, when some rows lack that vector, FIELD_PRESENCE + 2i.
 */
export const SectionKind = {
  META: 1,
  IDS: 2,
  VECTORS: 3,
  PAYLOADS: 4,
  INDEX: 5,
  FIELD_VECTORS: 16,
  FIELD_PRESENCE: 17,
} as const;

/**
 * One vector field of a segment: row i of `vectors` is row i's vector (all zeros when the
 * row lacks it); `present` marks the rows that have one (undefined: every row does).
 */
export interface SegmentField {
  /** '' for the single unnamed vector of a collection without named vectors. */
  name: string;
  dimension: number;
  distance: DistanceKind;
  /** Row-major, rows × dimension. */
  vectors: Float32Array;
  present?: Bitset;
}

/** What a segment file holds. `ids[i]`, `payloads[i]` and row i of every field describe one point. */
export interface SegmentData {
  ids: (string | number)[];
  payloads: (Record<string, unknown> | null)[];
  fields: SegmentField[];
  /** Index type that `index` bytes belong to (`flat` has none). */
  indexType: string;
  index: Uint8Array;
}

interface SegmentMeta {
  indexType: string;
  /** Version 2: the fields, in section order. */
  fields?: { name: string; dimension: number; distance: number; present: boolean }[];
}

/** Whether `data` fits version 1: one unnamed field that every row has. */
function isSingleVector(fields: readonly SegmentField[]): boolean {
  return fields.length === 1 && fields[0].name === '' && fields[0].present === undefined;
}

/**
 * Serializes a segment into the bytes of one file: version 1 for one unnamed vector per row
 * (byte-identical to what earlier builds wrote), version 2 for named vector fields.
 */
export function encodeSegment(data: SegmentData): Uint8Array {
  const count = data.ids.length;
  const fields = data.fields;
  if (fields.length === 0 || fields.length > MAX_SEGMENT_FIELDS) {
    throw new RangeError(`segment: expected 1 to ${MAX_SEGMENT_FIELDS} vector fields, got ${fields.length}`);
  }
  for (const field of fields) {
    if (field.vectors.length !== count * field.dimension || (field.present && field.present.size !== count)) {
      throw new RangeError(`segment: field '${field.name}' disagrees with the row count ${count}`);
    }
  }
  if (data.payloads.length !== count)
    throw new RangeError('segment: ids and payloads disagree on the row count');
  const single = isSingleVector(fields);
  const meta: SegmentMeta = { indexType: data.indexType };
  if (!single) {
    meta.fields = fields.map((f) => ({
      name: f.name,
      dimension: f.dimension,
      distance: f.distance,
      present: f.present !== undefined,
    }));
  }
  const sections: [number, Uint8Array][] = [
    [SectionKind.META, utf8(JSON.stringify(meta))],
    [SectionKind.IDS, utf8(JSON.stringify(data.ids))],
  ];
  if (single) sections.push([SectionKind.VECTORS, bytesOf(fields[0].vectors)]);
  sections.push([SectionKind.PAYLOADS, utf8(JSON.stringify(data.payloads))], [SectionKind.INDEX, data.index]);
  if (!single) {
    fields.forEach((field, i) => {
      sections.push([SectionKind.FIELD_VECTORS + 2 * i, bytesOf(field.vectors)]);
      if (field.present) sections.push([SectionKind.FIELD_PRESENCE + 2 * i, bytesOf(field.present.words)]);
    });
  }
  const headerEnd = FIXED_HEADER + ENTRY * sections.length + 4;
  let cursor = alignUp(headerEnd, 16);
  const offsets: number[] = [];
  for (const [, bytes] of sections) {
    offsets.push(cursor);
    cursor = alignUp(cursor + bytes.length, 16);
  }
  const out = new Uint8Array(cursor);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, single ? 1 : SEGMENT_FORMAT_VERSION, true);
  view.setUint32(12, fields[0].dimension, true);
  view.setUint32(16, count, true);
  view.setUint32(20, fields[0].distance, true);
  view.setUint32(24, sections.length, true);
  sections.forEach(([kind, bytes], i) => {
    const at = FIXED_HEADER + i * ENTRY;
    view.setUint32(at, kind, true);
    view.setUint32(at + 4, crc32(bytes), true);
    view.setFloat64(at + 8, offsets[i], true);
    view.setFloat64(at + 16, bytes.length, true);
    out.set(bytes, offsets[i]);
  });
  view.setUint32(headerEnd - 4, crc32(out.subarray(0, headerEnd - 4)), true);
  return out;
}

/** One section of a segment file, as its header's table describes it. */
export interface SegmentSection {
  kind: number;
  crc: number;
  offset: number;
  length: number;
  /** Where the zero padding after the section ends: the next section's offset, or the file's end. */
  end: number;
}

/** A segment file's header and section table, verified (`segmentLayout`). */
export interface SegmentLayout {
  version: number;
  /** Dimension and distance kind of field 0 (version 1's only field). */
  dimension: number;
  distance: number;
  count: number;
  /** Bytes of the header (zero padding follows up to the first section). */
  headerEnd: number;
  fileLength: number;
  sections: SegmentSection[];
}

/** Bytes of the longest header a segment file may have (64 sections); its first bytes hold it. */
export const MAX_SEGMENT_HEADER_BYTES = FIXED_HEADER + ENTRY * 64 + 4;

/**
 * Parses and verifies the header of a segment file of `fileLength` bytes from `head`, its
 * first bytes (the whole file, or at least `min(fileLength, MAX_SEGMENT_HEADER_BYTES)` of
 * it): magic, version, header checksum, and a section table whose sections follow each other
 * in table order at 16-byte boundaries up to the end of the file. It does not read the
 * sections (their checksums and padding are `verifySection`'s).
 */
export function segmentLayout(head: Uint8Array, fileLength: number, file: string): SegmentLayout {
  const fail = (reason: string): never => {
    throw new CorruptDataError(file, reason);
  };
  if (fileLength < FIXED_HEADER + 4 || head.length < FIXED_HEADER + 4)
    fail(`file too short for a segment header (${fileLength} bytes)`);
  for (let i = 0; i < MAGIC.length; i++)
    if (head[i] !== MAGIC[i]) fail('not a Quiver segment file (bad magic)');
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const version = view.getUint32(8, true);
  if (version !== 1 && version !== SEGMENT_FORMAT_VERSION) {
    fail(`segment format version ${version} is not supported (this build reads ${SEGMENT_FORMAT_VERSION})`);
  }
  const sectionCount = view.getUint32(24, true);
  const headerEnd = FIXED_HEADER + ENTRY * sectionCount + 4;
  if (sectionCount > 64 || headerEnd > fileLength || headerEnd > head.length)
    fail(`implausible section count ${sectionCount}`);
  if (view.getUint32(headerEnd - 4, true) !== crc32(head.subarray(0, headerEnd - 4)))
    fail('header checksum mismatch');
  const sections: SegmentSection[] = [];
  let expectedOffset = alignUp(headerEnd, 16);
  for (let i = 0; i < sectionCount; i++) {
    const at = FIXED_HEADER + i * ENTRY;
    const kind = view.getUint32(at, true);
    const offset = view.getFloat64(at + 8, true);
    const length = view.getFloat64(at + 16, true);
    if (
      offset !== expectedOffset ||
      !Number.isSafeInteger(length) ||
      length < 0 ||
      offset + length > fileLength
    ) {
      fail(`section ${kind} is not where the format puts it`);
    }
    sections.push({ kind, crc: view.getUint32(at + 4, true), offset, length, end: 0 });
    expectedOffset = alignUp(offset + length, 16);
  }
  if (fileLength !== expectedOffset)
    fail(`file has ${fileLength} bytes, the sections end at ${expectedOffset}`);
  sections.forEach((s, i) => {
    s.end = sections[i + 1]?.offset ?? fileLength;
  });
  return {
    version,
    dimension: view.getUint32(12, true),
    count: view.getUint32(16, true),
    distance: view.getUint32(20, true),
    headerEnd,
    fileLength,
    sections,
  };
}

/**
 * Verifies one section read from its file: `body` is its bytes (checked against its CRC-32
 * unless `crcChecked`, for a body checked as it was read) and `padding` the bytes from its
 * end to `section.end` (all zero).
 */
export function verifySection(
  section: SegmentSection,
  body: Uint8Array | undefined,
  padding: Uint8Array,
  file: string,
): void {
  const fail = (reason: string): never => {
    throw new CorruptDataError(file, reason);
  };
  const from = section.offset + section.length;
  for (let i = 0; i < padding.length; i++) if (padding[i] !== 0) fail(`non-zero padding byte at ${from + i}`);
  if (body && crc32(body) !== section.crc) fail(`section ${section.kind} checksum mismatch`);
}

/** Throws the error of a section whose checksum, computed as it was read, is `crc`. */
export function checkSectionCrc(section: SegmentSection, crc: number, file: string): void {
  if (crc !== section.crc) throw new CorruptDataError(file, `section ${section.kind} checksum mismatch`);
}

/** Whether sections of `kind` hold a vector field's rows (version 1's VECTORS, version 2's FIELD_VECTORS + 2i). */
export function isVectorSection(kind: number): boolean {
  return kind === SectionKind.VECTORS || (kind >= SectionKind.FIELD_VECTORS && (kind & 1) === 0);
}

/** Parses and verifies a segment file; `file` names it in errors. */
export function decodeSegment(bytes: Uint8Array, file: string): SegmentData {
  const layout = segmentLayout(bytes, bytes.length, file);
  // The padding between sections must be zero, so no byte of the file goes unchecked.
  checkZeroPadding(bytes, layout.headerEnd, layout.sections[0]?.offset ?? bytes.length, file);
  const sections = new Map<number, Uint8Array>();
  for (const s of layout.sections) {
    const body = bytes.subarray(s.offset, s.offset + s.length);
    verifySection(s, body, bytes.subarray(s.offset + s.length, s.end), file);
    sections.set(s.kind, body);
  }
  return decodeSegmentBody(layout, sections, file, floatsOf);
}

/**
 * The rows of a segment file whose header is `layout` and whose sections (verified) are
 * `sections` by kind; `vectorsOf(bytes)` gives the floats of a vector section (a view, a copy,
 * or rows placed elsewhere already: then `vectors` may be a view there), once its length is
 * checked. `fieldsOf` gives the field list without the vectors, for a reader that places them.
 * The vector sections of kinds in `streamed` were checked as they were read and kept nowhere
 * (fields kept on disk): their fields get no vectors (an empty array).
 */
export function decodeSegmentBody(
  layout: SegmentLayout,
  sections: ReadonlyMap<number, Uint8Array>,
  file: string,
  vectorsOf: (bytes: Uint8Array, kind: number) => Float32Array,
  streamed: ReadonlySet<number> = new Set(),
): SegmentData {
  const fail = (reason: string): never => {
    throw new CorruptDataError(file, reason);
  };
  const { count } = layout;
  const section = (kind: number): Uint8Array => sections.get(kind) ?? fail(`missing section ${kind}`);
  const parse = (kind: number): unknown => {
    try {
      return JSON.parse(fromUtf8(section(kind)));
    } catch {
      return fail(`section ${kind} is not valid JSON`);
    }
  };
  const meta = parse(SectionKind.META) as SegmentMeta;
  const ids = parse(SectionKind.IDS);
  const payloads = parse(SectionKind.PAYLOADS);
  if (!Array.isArray(ids) || ids.length !== count) fail(`expected ${count} ids`);
  if (!Array.isArray(payloads) || payloads.length !== count) fail(`expected ${count} payloads`);
  if (typeof meta?.indexType !== 'string') fail('meta section lacks indexType');
  const fields = segmentFields(layout, meta, section, file).map((f) => {
    const { kind: _kind, ...field } = f;
    if (streamed.has(f.kind)) return { ...field, vectors: new Float32Array(0) };
    const bytes = section(f.kind);
    if (bytes.length !== count * f.dimension * 4) {
      fail(`vector section ${f.kind} has ${bytes.length} bytes, expected ${count * f.dimension * 4}`);
    }
    return { ...field, vectors: vectorsOf(bytes, f.kind) };
  });
  return {
    ids: ids as (string | number)[],
    payloads: payloads as (Record<string, unknown> | null)[],
    fields,
    indexType: meta.indexType,
    index: sections.get(SectionKind.INDEX) ?? new Uint8Array(0),
  };
}

/** A field of a segment file without its vectors, and the kind of the section that holds them. */
export type SegmentFieldSpec = Omit<SegmentField, 'vectors'> & { kind: number };

/**
 * The vector fields a segment file declares (its header for version 1, its META section for
 * version 2), with their presence bitsets; `section(kind)` gives a verified section's bytes
 * (only META and presence sections are read).
 */
export function segmentFields(
  layout: SegmentLayout,
  meta: unknown,
  section: (kind: number) => Uint8Array,
  file: string,
): SegmentFieldSpec[] {
  const fail = (reason: string): never => {
    throw new CorruptDataError(file, reason);
  };
  const { count } = layout;
  const checkDistance = (kind: number) => {
    if (!Object.values(DistanceKind).includes(kind as DistanceKind)) fail(`unknown distance kind ${kind}`);
  };
  checkDistance(layout.distance);
  if (layout.version === 1) {
    return [
      {
        name: '',
        dimension: layout.dimension,
        distance: layout.distance as DistanceKind,
        kind: SectionKind.VECTORS,
      },
    ];
  }
  const declared = (meta as SegmentMeta | undefined)?.fields;
  if (!Array.isArray(declared) || declared.length === 0 || declared.length > MAX_SEGMENT_FIELDS) {
    fail('meta section lacks a valid field list');
  }
  return declared!.map((f, i) => {
    if (typeof f?.name !== 'string' || !Number.isSafeInteger(f.dimension) || f.dimension < 1) {
      fail(`field ${i} is malformed in the meta section`);
    }
    checkDistance(f.distance);
    const field: SegmentFieldSpec = {
      name: f.name,
      dimension: f.dimension,
      distance: f.distance as DistanceKind,
      kind: SectionKind.FIELD_VECTORS + 2 * i,
    };
    if (f.present) {
      const bytes = section(SectionKind.FIELD_PRESENCE + 2 * i);
      const words = (count + 31) >>> 5;
      if (bytes.length !== words * 4) fail(`presence section of field '${f.name}' has ${bytes.length} bytes`);
      const present = new Bitset(count, new Uint32Array(words));
      new Uint8Array(present.words.buffer).set(bytes);
      if (present.clone().resized(count).count() !== present.count())
        fail(`presence of field '${f.name}' has bits past the rows`);
      field.present = present;
    }
    return field;
  });
}

/**
 * The floats of a vector section: a view of the file's bytes when they are 4-byte aligned
 * (sections are 16-byte aligned in the file; the bytes read are never reused, and the rows are
 * copied into linear memory right after decoding), so loading copies each vector once; else a
 * copy.
 */
function floatsOf(bytes: Uint8Array): Float32Array {
  return (bytes.byteOffset & 3) === 0
    ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
    : copyFloat32(bytes, 0, bytes.byteLength);
}

/** Throws unless bytes [from, to) of the file are zero. */
export function checkZeroPadding(bytes: Uint8Array, from: number, to: number, file: string): void {
  for (let i = from; i < to; i++)
    if (bytes[i] !== 0) throw new CorruptDataError(file, `non-zero padding byte at ${i}`);
}
