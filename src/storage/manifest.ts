/**
 * The manifest: which immutable files make up a collection at one version, and how far
 * the WAL is already reflected in them. Stored as JSON in the catalog (docs/format.md).
 *
 * Invariants: segment ids are unique and increase with time (`nextSegmentId` is never
 * reused); every file named here was durable before the manifest was committed; every WAL
 * row with `seq ≤ walCheckpoint` is reflected in the files and no later one is.
 */
import { CorruptDataError } from '../errors.js';

/**
 * Version 2 added `payloads` (payload overlay files) to segment entries. Version 1
 * manifests still open (they have no overlays); every manifest committed is written as the
 * current version, so an older reader never silently ignores an overlay.
 */
export const MANIFEST_FORMAT_VERSION = 2;
const READABLE_VERSIONS: readonly number[] = [1, 2];

export interface SegmentEntry {
  id: number;
  /** Object key of the segment file. */
  file: string;
  rows: number;
  /** Object key of the current tombstone file, when any row is deleted. */
  tombstones?: string;
  /** Object key of the current payload overlay file, when payloads of rows changed after sealing (version 2). */
  payloads?: string;
  /** Object key of the segment's index file (an approximate index), once it is built (collections with one unnamed vector). */
  index?: string;
  /** Collections with named vectors: the index file of each field that has one, by field name. */
  indexes?: Record<string, string>;
}

export interface Manifest {
  formatVersion: number;
  walCheckpoint: number;
  nextSegmentId: number;
  segments: SegmentEntry[];
}

export function emptyManifest(): Manifest {
  return { formatVersion: MANIFEST_FORMAT_VERSION, walCheckpoint: 0, nextSegmentId: 1, segments: [] };
}

export function parseManifest(body: string, where: string): Manifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(body);
  } catch {
    throw new CorruptDataError(where, 'manifest is not valid JSON');
  }
  if (!READABLE_VERSIONS.includes(manifest.formatVersion)) {
    throw new CorruptDataError(where, `manifest format version ${manifest.formatVersion} is not supported`);
  }
  if (!Array.isArray(manifest.segments)) throw new CorruptDataError(where, 'manifest lacks a segment list');
  return manifest;
}
