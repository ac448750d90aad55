/**
 * Snapshot file format, version 1 (docs/format.md, "Snapshot file"): one collection in one
 * self-verifying file, written front to back in a single pass (the directory comes last, as
 * in a zip file, so no blob's size must be known before it is written).
 *
 *   0        magic "QVRSNP\0\1" (8 bytes)
 *   8        u32 format version (1)
 *   12       u32 zero
 *   16       blobs (object files, WAL row bodies, thumbnail pack), each at a multiple of 16, zero padding between
 *   D        directory: L bytes of UTF-8 JSON (`SnapshotDirectory`)
 *   end−48   f64 D · f64 L
 *   end−32   SHA-256 of bytes [0, end−32)
 *
 * Integrity: the trailing SHA-256 covers every other byte, so a truncated, damaged or
 * foreign file is refused before anything is read from it; each blob also carries a CRC-32
 * in the directory, checked again when it is read (the file may change between the two
 * passes). The checksum callers see (`SnapshotInfo.checksum`, Qdrant's) is the SHA-256 of
 * the whole file, trailer included, as `sha256sum` prints it.
 *
 * Writing goes to a path the caller chooses (a temporary name); `finish` fsyncs the file
 * before it resolves, and the caller renames it into place.
 *
 * Encrypted databases write every blob sealed (an encrypted container, encrypt-container.ts,
 * for the name `snapshot/<offset>`) and say so in the directory (`encryption`, with the key
 * id); the directory itself (collection name, configuration, manifest, offsets) stays in
 * clear. Such a snapshot restores only into a database that holds its key; the layout is
 * otherwise the same, so the format version stays 1 (a build without encryption refuses the
 * blobs as data that does not verify).
 */
import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { EncryptionKeyError, SnapshotError } from '../errors.js';
import { alignUp, crc32, fromUtf8, utf8 } from './binary.js';
import type { EncryptionKeyring } from './encrypt-keys.js';

export const SNAPSHOT_FORMAT_VERSION = 1;
/** "QVRSNP\0\1" */
export const SNAPSHOT_MAGIC = Uint8Array.from([0x51, 0x56, 0x52, 0x53, 0x4e, 0x50, 0x00, 0x01]);
const HEADER = 16;
const FOOTER = 48;
const CHUNK = 1 << 20;
/** Object keys inside a snapshot: one path segment, no leading dot (so never `..`). */
const KEY_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/** Where one blob lies in the file, and its CRC-32. */
export interface SnapshotBlob {
  offset: number;
  length: number;
  crc32: number;
}

/** The directory of a snapshot: what it holds and where. */
export interface SnapshotDirectory {
  /** The collection's name when the snapshot was taken (it may be restored under another). */
  collection: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  /** Live points of the collection at the snapshot (checked again after a restore). */
  points: number;
  /** The collection's stored configuration, as in the catalog. */
  config: Record<string, unknown>;
  /** The collection's manifest, its object keys relative to the collection's folder. */
  manifest: Record<string, unknown>;
  /** The objects the manifest names, by relative key. */
  files: (SnapshotBlob & { key: string })[];
  /** The WAL rows after the manifest's checkpoint, in commit order. */
  wal: (SnapshotBlob & { kind: number })[];
  /**
   * The collection's thumbnails in one thumbnail pack (`thumbnail-pack.ts`); absent when it
   * has none (and in snapshots written before thumbnails existed).
   */
  thumbnails?: SnapshotBlob;
  /** Present when every blob is sealed (an encrypted database's snapshot). */
  encryption?: { cipher: 'AES-256-GCM'; keyId: string };
}

/** Writes a snapshot file front to back. */
export class SnapshotWriter {
  private position = HEADER;
  private readonly inner = createHash('sha256');
  private readonly outer = createHash('sha256');

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    private readonly keyring: EncryptionKeyring | undefined,
  ) {}

  /** Creates `path` (which must not exist) and writes the header; blobs are sealed under `keyring` when given. */
  static async create(path: string, keyring?: EncryptionKeyring): Promise<SnapshotWriter> {
    const writer = new SnapshotWriter(await open(path, 'wx'), path, keyring);
    const header = new Uint8Array(HEADER);
    header.set(SNAPSHOT_MAGIC, 0);
    new DataView(header.buffer).setUint32(8, SNAPSHOT_FORMAT_VERSION, true);
    await writer.write(header, 0);
    return writer;
  }

  /** Appends one blob at the next multiple of 16 and says where it is. */
  async addBlob(plain: Uint8Array): Promise<SnapshotBlob> {
    const offset = alignUp(this.position, 16);
    const bytes = this.keyring ? this.keyring.seal(blobInfo(offset), plain) : plain;
    if (offset > this.position) await this.write(new Uint8Array(offset - this.position), this.position);
    await this.write(bytes, offset);
    this.position = offset + bytes.byteLength;
    return { offset, length: bytes.byteLength, crc32: crc32(bytes) };
  }

  /**
   * Writes the directory and the footer, fsyncs and closes the file; returns its size and
   * the SHA-256 of the whole file (hex).
   */
  async finish(directory: SnapshotDirectory): Promise<{ size: number; checksum: string }> {
    const sealed: SnapshotDirectory = this.keyring
      ? { ...directory, encryption: { cipher: 'AES-256-GCM', keyId: this.keyring.keyId } }
      : directory;
    const json = utf8(JSON.stringify(sealed));
    const at = this.position;
    await this.write(json, at);
    const footer = new Uint8Array(FOOTER);
    const view = new DataView(footer.buffer);
    view.setFloat64(0, at, true);
    view.setFloat64(8, json.byteLength, true);
    this.inner.update(footer.subarray(0, 16));
    footer.set(this.inner.digest(), 16);
    this.outer.update(footer);
    await this.file.write(footer, 0, FOOTER, at + json.byteLength);
    await this.file.sync();
    await this.file.close();
    return { size: at + json.byteLength + FOOTER, checksum: this.outer.digest('hex') };
  }

  /** Closes the file without finishing it (the caller deletes it). */
  async abort(): Promise<void> {
    await this.file.close().catch(() => undefined);
  }

  private async write(bytes: Uint8Array, position: number): Promise<void> {
    this.inner.update(bytes);
    this.outer.update(bytes);
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesWritten } = await this.file.write(bytes, done, bytes.byteLength - done, position + done);
      done += bytesWritten;
    }
  }
}

/** A snapshot file whose checksums verified, open for reading its blobs. */
export class SnapshotReader {
  private constructor(
    private readonly file: FileHandle,
    /** How errors name the file (a path, an upload's name, a URL). */
    readonly label: string,
    readonly directory: SnapshotDirectory,
    /** SHA-256 of the whole file, hex. */
    readonly checksum: string,
    readonly size: number,
    private readonly keyring: EncryptionKeyring | undefined,
  ) {}

  /**
   * Opens `path` and verifies it whole: magic, version, trailing SHA-256, `expectedChecksum`
   * (the whole file's SHA-256, hex) when given, and the directory's shape and bounds.
   * @throws SnapshotError naming `label` when any of it fails.
   */
  static async open(
    path: string,
    label: string,
    expectedChecksum?: string,
    keyring?: EncryptionKeyring,
  ): Promise<SnapshotReader> {
    let file: FileHandle;
    try {
      file = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SnapshotError(label, 'file not found');
      throw err;
    }
    try {
      const info = await file.stat();
      if (!info.isFile()) throw new SnapshotError(label, 'not a file');
      const size = info.size;
      if (size < HEADER + FOOTER) {
        throw new SnapshotError(label, `${size} bytes is too short for a Quiver snapshot (truncated?)`);
      }
      const header = await readAt(file, 0, HEADER, label);
      if (!SNAPSHOT_MAGIC.every((b, i) => header[i] === b)) {
        throw new SnapshotError(label, 'not a Quiver snapshot (bad magic)');
      }
      const version = new DataView(header.buffer, header.byteOffset).getUint32(8, true);
      if (version !== SNAPSHOT_FORMAT_VERSION) {
        throw new SnapshotError(
          label,
          `format version ${version} is not supported (this build reads ${SNAPSHOT_FORMAT_VERSION})`,
        );
      }
      const checksum = await verifyDigests(file, size, label);
      if (expectedChecksum !== undefined && checksum !== expectedChecksum.toLowerCase()) {
        throw new SnapshotError(label, `SHA-256 is ${checksum}, expected ${expectedChecksum}`);
      }
      const footer = await readAt(file, size - FOOTER, 16, label);
      const view = new DataView(footer.buffer, footer.byteOffset);
      const at = view.getFloat64(0, true);
      const length = view.getFloat64(8, true);
      if (
        !Number.isSafeInteger(at) ||
        !Number.isSafeInteger(length) ||
        at < HEADER ||
        at + length !== size - FOOTER
      ) {
        throw new SnapshotError(label, 'the directory lies outside the file');
      }
      const directory = parseDirectory(await readAt(file, at, length, label), at, label);
      if (directory.encryption && !keyring) {
        throw new EncryptionKeyError(
          `snapshot ${label} is encrypted (key id ${directory.encryption.keyId}); restore it into a database opened with its key`,
        );
      }
      return new SnapshotReader(file, label, directory, checksum, size, keyring);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  /** The bytes of one blob of the directory, its CRC-32 checked again (opened when the snapshot is encrypted). */
  async read(blob: SnapshotBlob): Promise<Uint8Array> {
    const bytes = await readAt(this.file, blob.offset, blob.length, this.label);
    if (crc32(bytes) !== blob.crc32) {
      throw new SnapshotError(
        this.label,
        `the blob at offset ${blob.offset} fails its CRC-32 (file changed?)`,
      );
    }
    if (!this.directory.encryption || !this.keyring) return bytes;
    const plain = this.keyring.open(
      blobInfo(blob.offset),
      bytes,
      `snapshot ${this.label} (blob at ${blob.offset})`,
    );
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}

/** The name a blob at `offset` is sealed for. */
function blobInfo(offset: number): string {
  return `snapshot/${offset}`;
}

/** Hashes the file once; returns the whole file's SHA-256 after checking the trailing one. */
async function verifyDigests(file: FileHandle, size: number, label: string): Promise<string> {
  const inner = createHash('sha256');
  const outer = createHash('sha256');
  const body = size - 32;
  const buffer = new Uint8Array(CHUNK);
  for (let at = 0; at < body; ) {
    const n = Math.min(CHUNK, body - at);
    const { bytesRead } = await file.read(buffer, 0, n, at);
    if (bytesRead === 0) throw new SnapshotError(label, 'file shrank while it was read');
    const chunk = buffer.subarray(0, bytesRead);
    inner.update(chunk);
    outer.update(chunk);
    at += bytesRead;
  }
  const trailer = await readAt(file, body, 32, label);
  const expected = inner.digest();
  if (!expected.equals(trailer)) {
    throw new SnapshotError(label, 'SHA-256 mismatch: the file is truncated or damaged');
  }
  return (outer.update(trailer) as Hash).digest('hex');
}

async function readAt(
  file: FileHandle,
  position: number,
  length: number,
  label: string,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(out, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  if (done < length) throw new SnapshotError(label, `unexpected end of file at offset ${position + done}`);
  return out;
}

/** Parses and checks the directory: every blob inside [16, end), keys that are plain names. */
function parseDirectory(bytes: Uint8Array, end: number, label: string): SnapshotDirectory {
  let dir: SnapshotDirectory;
  try {
    dir = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new SnapshotError(label, 'the directory is not valid JSON');
  }
  const bad = (what: string): never => {
    throw new SnapshotError(label, `the directory has ${what}`);
  };
  if (typeof dir !== 'object' || dir === null) bad('no object');
  if (typeof dir.collection !== 'string') bad('no collection name');
  if (typeof dir.createdAt !== 'string') bad('no creation time');
  if (!Number.isSafeInteger(dir.points) || dir.points < 0) bad('no point count');
  if (!isObject(dir.config)) bad('no configuration');
  if (!isObject(dir.manifest)) bad('no manifest');
  if (!Array.isArray(dir.files) || !Array.isArray(dir.wal)) bad('no file or WAL list');
  const inBounds = (b: SnapshotBlob) =>
    isObject(b) &&
    Number.isSafeInteger(b.offset) &&
    Number.isSafeInteger(b.length) &&
    Number.isSafeInteger(b.crc32) &&
    b.offset >= HEADER &&
    b.length >= 0 &&
    b.offset + b.length <= end;
  const keys = new Set<string>();
  for (const f of dir.files) {
    if (!inBounds(f) || typeof f.key !== 'string' || !KEY_PATTERN.test(f.key)) bad('a bad file entry');
    if (keys.has(f.key)) bad(`file ${f.key} twice`);
    keys.add(f.key);
  }
  for (const w of dir.wal) {
    if (!inBounds(w) || !Number.isSafeInteger(w.kind)) bad('a bad WAL entry');
  }
  if (dir.thumbnails !== undefined && !inBounds(dir.thumbnails)) bad('a bad thumbnails entry');
  return dir;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
