/**
 * A check of SQLite's own write-ahead log (`catalog.sqlite-wal`) before SQLite opens it.
 *
 * SQLite protects each frame of its `-wal` file with a cumulative checksum and salts
 * (https://www.sqlite.org/fileformat.html, "WAL file format"). On recovery it keeps the
 * frames up to the last commit frame before the first frame that fails, and silently
 * ignores everything after: a damaged frame in the middle of the log therefore drops every
 * transaction committed after it — acknowledged writes, even whole collections — without
 * an error. A frame that fails but is followed by a commit frame carrying the log's
 * current salts means committed transactions would be discarded; this check refuses to
 * let that happen silently.
 *
 * What it cannot tell: a torn write of a transaction that was never acknowledged (power
 * lost before its fsync returned) whose commit frame nevertheless reached the disk looks
 * the same; with `synchronous = FULL` that takes the disk reordering writes inside one
 * unsynced transaction, and it is reported all the same (refusing is the safe side).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { CorruptDataError } from '../errors.js';

const HEADER = 32;
const FRAME_HEADER = 24;

/** Throws `CorruptDataError` if opening `walFile` would silently discard committed transactions. */
export function checkSqliteWal(walFile: string): void {
  let size: number;
  try {
    size = statSync(walFile).size;
  } catch {
    return;
  }
  if (size < HEADER) return;
  const fd = openSync(walFile, 'r');
  try {
    const header = read(fd, 0, HEADER);
    const magic = header.readUInt32BE(0);
    if (magic !== 0x377f0682 && magic !== 0x377f0683) return;
    const bigEndian = (magic & 1) === 1;
    const pageSize = header.readUInt32BE(8) || 65536;
    const salt1 = header.readUInt32BE(16);
    const salt2 = header.readUInt32BE(20);
    let [s0, s1] = checksum(header.subarray(0, 24), 0, 0, bigEndian);
    // A header that fails makes SQLite ignore the whole log: nothing committed is in it.
    if (s0 !== header.readUInt32BE(24) || s1 !== header.readUInt32BE(28)) return;
    const frameSize = FRAME_HEADER + pageSize;
    let badFrame = -1;
    for (let frame = 0, at = HEADER; at + frameSize <= size; frame++, at += frameSize) {
      const bytes = read(fd, at, frameSize);
      const current = bytes.readUInt32BE(8) === salt1 && bytes.readUInt32BE(12) === salt2;
      if (badFrame < 0) {
        if (!current) return; // the end of this generation of the log
        [s0, s1] = checksum(bytes.subarray(0, 8), s0, s1, bigEndian);
        [s0, s1] = checksum(bytes.subarray(FRAME_HEADER), s0, s1, bigEndian);
        if (s0 !== bytes.readUInt32BE(16) || s1 !== bytes.readUInt32BE(20)) badFrame = frame;
      } else if (current && bytes.readUInt32BE(4) !== 0) {
        throw new CorruptDataError(
          walFile,
          `frame ${badFrame} fails its checksum and committed frame ${frame} follows it: SQLite would silently discard acknowledged writes. Restore the folder from a backup, or move this file away to accept losing them`,
        );
      }
    }
  } finally {
    closeSync(fd);
  }
}

function read(fd: number, position: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  readSync(fd, out, 0, length, position);
  return out;
}

/** SQLite's WAL checksum of `bytes` (a multiple of 8), continuing from (s0, s1). */
function checksum(bytes: Buffer, s0: number, s1: number, bigEndian: boolean): [number, number] {
  for (let i = 0; i < bytes.length; i += 8) {
    const x0 = bigEndian ? bytes.readUInt32BE(i) : bytes.readUInt32LE(i);
    const x1 = bigEndian ? bytes.readUInt32BE(i + 4) : bytes.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}
