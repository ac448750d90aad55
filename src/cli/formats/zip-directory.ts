/**
 * Reads the central directory of a ZIP archive (PKWARE APPNOTE 6.3): the End Of Central
 * Directory record in the last 64 KiB, the Zip64 end record when the archive needs one, and one
 * entry per member (name, method, sizes, local header offset, with Zip64 extra fields). Only
 * what `.npz` files need: stored (0) and deflated (8) members, no encryption, no multi-disk.
 *
 * Every offset and size read is checked against the file size, so a truncated or damaged
 * archive is refused with `CorruptDataError` before any member is read.
 */
import type { FileHandle } from 'node:fs/promises';
import { CorruptDataError } from '../../errors.js';
import { readExactly } from './vector-file.js';

export interface ZipMember {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Byte offset of the member's data (after its local header). */
  dataOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The members of the archive open in `handle` (`size` bytes), with their data offsets resolved. */
export async function readZipDirectory(handle: FileHandle, path: string, size: number): Promise<ZipMember[]> {
  const corrupt = (reason: string) => new CorruptDataError(path, `not a readable ZIP archive: ${reason}`);
  const tailLength = Math.min(size, 22 + 0xffff);
  if (tailLength < 22) throw corrupt(`${size} bytes is too short`);
  const tail = await readAt(handle, path, size - tailLength, tailLength);
  let at = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.getUint32(i, true) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw corrupt('no end of central directory record (truncated?)');
  let count = tail.getUint16(at + 10, true);
  let directorySize = tail.getUint32(at + 12, true);
  let directoryOffset = tail.getUint32(at + 16, true);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locatorAt = size - tailLength + at - 20;
    if (locatorAt < 0) throw corrupt('missing Zip64 locator');
    const locator = await readAt(handle, path, locatorAt, 20);
    if (locator.getUint32(0, true) !== EOCD64_LOCATOR) throw corrupt('missing Zip64 locator');
    const end64At = Number(locator.getBigUint64(8, true));
    if (end64At + 56 > size) throw corrupt('Zip64 end record beyond the end of the file');
    const end64 = await readAt(handle, path, end64At, 56);
    if (end64.getUint32(0, true) !== EOCD64) throw corrupt('bad Zip64 end record signature');
    count = Number(end64.getBigUint64(32, true));
    directorySize = Number(end64.getBigUint64(40, true));
    directoryOffset = Number(end64.getBigUint64(48, true));
  }
  if (directoryOffset + directorySize > size) throw corrupt('central directory beyond the end of the file');
  const directory = await readAt(handle, path, directoryOffset, directorySize);
  const members: ZipMember[] = [];
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > directorySize || directory.getUint32(p, true) !== CENTRAL) {
      throw corrupt(`central directory entry ${n} is damaged`);
    }
    const flags = directory.getUint16(p + 8, true);
    const method = directory.getUint16(p + 10, true);
    let compressedSize = directory.getUint32(p + 20, true);
    let uncompressedSize = directory.getUint32(p + 24, true);
    const nameLength = directory.getUint16(p + 28, true);
    const extraLength = directory.getUint16(p + 30, true);
    const commentLength = directory.getUint16(p + 32, true);
    let localOffset = directory.getUint32(p + 42, true);
    const nameBytes = new Uint8Array(directory.buffer, directory.byteOffset + p + 46, nameLength);
    const name = Buffer.from(nameBytes).toString('utf8');
    // Zip64 extra field: the 64-bit values of the fields that are 0xFFFFFFFF, in this order.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    if (extraEnd > directorySize) throw corrupt(`central directory entry '${name}' is damaged`);
    while (e + 4 <= extraEnd) {
      const id = directory.getUint16(e, true);
      const length = directory.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const next = () => {
          if (q + 8 > e + 4 + length) throw corrupt(`short Zip64 field in '${name}'`);
          const value = Number(directory.getBigUint64(q, true));
          q += 8;
          return value;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      e += 4 + length;
    }
    if (flags & 1) throw corrupt(`member '${name}' is encrypted`);
    if (method !== 0 && method !== 8) throw corrupt(`member '${name}' uses compression method ${method}`);
    if (localOffset + 30 > size) throw corrupt(`member '${name}' starts beyond the end of the file`);
    const local = await readAt(handle, path, localOffset, 30);
    if (local.getUint32(0, true) !== LOCAL) throw corrupt(`member '${name}' has no local header`);
    const dataOffset = localOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    if (dataOffset + compressedSize > size) throw corrupt(`member '${name}' is truncated`);
    members.push({ name, method, compressedSize, uncompressedSize, dataOffset });
    p = extraEnd + commentLength;
  }
  return members;
}

async function readAt(handle: FileHandle, path: string, position: number, length: number): Promise<DataView> {
  const bytes = new Uint8Array(length);
  await readExactly(handle, path, bytes, position);
  return new DataView(bytes.buffer);
}
