/**
 * Checksums of the catalog's rows (docs/format.md, "Catalog"). SQLite checks the structure
 * of its pages but not the bytes inside a row: a flipped bit in a WAL row's vector or in a
 * manifest's `walCheckpoint` reads back without complaint. Every row that Quiver replays or
 * trusts therefore carries a CRC-32 (IEEE, `zlib.crc32`, as Quiver's files) over the
 * columns that give it meaning, verified whenever the row is read.
 *
 * What each checksum covers, so that a row cannot be moved to another collection, version
 * or kind without detection: a collection row its `name` and `config`; a manifest its
 * `collection_id`, `version` and `body`; a WAL row its `collection_id`, `kind` and `body`.
 */
import { CorruptDataError } from '../errors.js';
import { crc32, utf8 } from './binary.js';

/** The checksum of a collection row. */
export function collectionCrc(name: string, config: string): number {
  return crc32(utf8(`collection\0${name}\0${config}`));
}

/** The checksum of a manifest row. */
export function manifestCrc(collectionId: number, version: number, body: string): number {
  return crc32(utf8(`manifest\0${collectionId}\0${version}\0${body}`));
}

/** The checksum of a WAL row. */
export function walCrc(collectionId: number, kind: number, body: Uint8Array): number {
  return crc32(body, crc32(utf8(`wal\0${collectionId}\0${kind}\0`)));
}

/** Throws `CorruptDataError` naming `where` unless `stored` equals `actual`. */
export function verifyCrc(stored: number | null, actual: number, where: string): void {
  if (stored !== actual) {
    throw new CorruptDataError(
      where,
      stored === null ? 'row has no checksum' : `checksum mismatch (stored ${stored}, computed ${actual})`,
    );
  }
}
