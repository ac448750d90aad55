/**
 * The encrypted container (docs/format.md, "Encrypted container"): how every file and catalog
 * row of an encrypted database holds its bytes. AES-256-GCM (Node's `crypto`) over chunks of
 * {@link CHUNK_BYTES} plaintext bytes, so that a positioned read (the rows of an `onDisk`
 * field) decrypts only the chunks it touches.
 *
 *   0    magic "QVRENC\0\1" (8 bytes)
 *   8    u32 container version (1)
 *   12   u32 chunk size C (plaintext bytes per chunk)
 *   16   f64 plaintext length N
 *   24   key id (8 bytes): which master key sealed it (the first 8 bytes of its check value)
 *   32   salt (16 random bytes)
 *   48   chunks i = 0 … max(1, ⌈N / C⌉) − 1: min(C, N − i·C) ciphertext bytes, then the 16-byte GCM tag
 *
 * Keys and nonces. The file key is HKDF-SHA256(master key, salt, "quiver/v1/" + info), where
 * `info` names what the bytes are (the object key, or the catalog row's kind and collection),
 * so bytes moved to another name fail to open. The salt is random per seal, so each seal has
 * its own key; within it, chunk i's nonce is 4 zero bytes and i as u64 (little-endian), so no
 * (key, nonce) pair is ever used twice. Chunk i's additional data is the 48-byte header and i
 * (u64), so a changed header, reordered or dropped chunks (N fixes their number) fail the tag.
 * An empty plaintext still has one (empty) chunk, whose tag authenticates the header.
 *
 * Any failure to authenticate is a `CorruptDataError` naming the file: never garbage.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { CorruptDataError } from '../errors.js';

/** "QVRENC\0\1" */
export const CONTAINER_MAGIC = Uint8Array.from([0x51, 0x56, 0x52, 0x45, 0x4e, 0x43, 0x00, 0x01]);
export const CONTAINER_VERSION = 1;
export const HEADER_BYTES = 48;
export const TAG_BYTES = 16;
/** Plaintext bytes per chunk. */
export const CHUNK_BYTES = 64 * 1024;
export const KEY_ID_BYTES = 8;

/** The parsed header of a container. */
export interface ContainerHeader {
  chunkBytes: number;
  plainLength: number;
  keyId: Buffer;
  salt: Buffer;
  /** The 48 header bytes (the chunks' additional data). */
  raw: Buffer;
}

/** Whether `bytes` start with the container magic. */
export function isContainer(bytes: Uint8Array): boolean {
  if (bytes.byteLength < CONTAINER_MAGIC.length) return false;
  for (let i = 0; i < CONTAINER_MAGIC.length; i++) if (bytes[i] !== CONTAINER_MAGIC[i]) return false;
  return true;
}

/** The 32-byte key of one container: HKDF-SHA256 of the master key, its salt and `info`. */
export function fileKey(master: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, salt, Buffer.from(`quiver/v1/${info}`, 'utf8'), 32));
}

/** Parses and checks the header at the start of `bytes` (`where` names the file in errors). */
export function parseHeader(bytes: Uint8Array, where: string): ContainerHeader {
  if (bytes.byteLength < HEADER_BYTES || !isContainer(bytes)) {
    throw new CorruptDataError(where, 'not an encrypted container (bad magic or truncated header)');
  }
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const version = raw.readUInt32LE(8);
  if (version !== CONTAINER_VERSION) {
    throw new CorruptDataError(
      where,
      `encrypted container version ${version} is not supported (this build reads ${CONTAINER_VERSION})`,
    );
  }
  const chunkBytes = raw.readUInt32LE(12);
  const plainLength = raw.readDoubleLE(16);
  if (chunkBytes === 0 || !Number.isSafeInteger(plainLength) || plainLength < 0) {
    throw new CorruptDataError(where, 'encrypted container header is malformed');
  }
  return {
    chunkBytes,
    plainLength,
    keyId: Buffer.from(raw.subarray(24, 32)),
    salt: Buffer.from(raw.subarray(32, 48)),
    raw: Buffer.from(raw),
  };
}

/** Chunks of a container holding `plainLength` bytes (at least one). */
export function chunkCount(plainLength: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(plainLength / chunkBytes));
}

/** Bytes of the container of `plainLength` plaintext bytes. */
export function containerLength(plainLength: number, chunkBytes = CHUNK_BYTES): number {
  return HEADER_BYTES + plainLength + chunkCount(plainLength, chunkBytes) * TAG_BYTES;
}

/** Byte offset of chunk `i` in the container. */
export function chunkOffset(header: ContainerHeader, i: number): number {
  return HEADER_BYTES + i * (header.chunkBytes + TAG_BYTES);
}

/** Plaintext bytes of chunk `i`. */
export function chunkPlainBytes(header: ContainerHeader, i: number): number {
  return Math.max(0, Math.min(header.chunkBytes, header.plainLength - i * header.chunkBytes));
}

/** Seals `plain` under `master` (whose id is `keyId`) for `info`: a whole container. */
export function sealContainer(
  master: Uint8Array,
  keyId: Uint8Array,
  info: string,
  plain: Uint8Array,
): Buffer {
  const out = Buffer.allocUnsafe(containerLength(plain.byteLength));
  out.set(CONTAINER_MAGIC, 0);
  out.writeUInt32LE(CONTAINER_VERSION, 8);
  out.writeUInt32LE(CHUNK_BYTES, 12);
  out.writeDoubleLE(plain.byteLength, 16);
  out.set(keyId.subarray(0, KEY_ID_BYTES), 24);
  const salt = randomBytes(16);
  out.set(salt, 32);
  const header = out.subarray(0, HEADER_BYTES);
  const key = fileKey(master, salt, info);
  const n = chunkCount(plain.byteLength, CHUNK_BYTES);
  let at = HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const chunk = plain.subarray(i * CHUNK_BYTES, Math.min(plain.byteLength, (i + 1) * CHUNK_BYTES));
    const cipher = createCipheriv('aes-256-gcm', key, nonceOf(i));
    cipher.setAAD(aadOf(header, i));
    at += cipher.update(chunk).copy(out, at);
    at += cipher.final().copy(out, at);
    at += cipher.getAuthTag().copy(out, at);
  }
  return out;
}

/**
 * Decrypts chunk `i` of a container, its ciphertext and tag in `sealed`, into `out` at
 * `outAt`; `key` is the container's file key. @throws CorruptDataError naming `where`.
 */
export function openChunk(
  header: ContainerHeader,
  key: Uint8Array,
  i: number,
  sealed: Uint8Array,
  out: Uint8Array,
  outAt: number,
  where: string,
): void {
  const n = chunkPlainBytes(header, i);
  if (sealed.byteLength !== n + TAG_BYTES) {
    throw new CorruptDataError(where, `encrypted chunk ${i} is truncated`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, nonceOf(i));
  decipher.setAAD(aadOf(header.raw, i));
  decipher.setAuthTag(sealed.subarray(n));
  try {
    const body = decipher.update(sealed.subarray(0, n));
    decipher.final();
    out.set(body, outAt);
  } catch {
    throw new CorruptDataError(
      where,
      `encrypted chunk ${i} fails authentication (tampered, or sealed under another name)`,
    );
  }
}

/** Decrypts a whole container whose file key is `key`. @throws CorruptDataError naming `where`. */
export function openContainer(
  header: ContainerHeader,
  key: Uint8Array,
  bytes: Uint8Array,
  where: string,
): Buffer {
  const n = chunkCount(header.plainLength, header.chunkBytes);
  const expected = HEADER_BYTES + header.plainLength + n * TAG_BYTES;
  if (bytes.byteLength !== expected) {
    throw new CorruptDataError(
      where,
      `encrypted container holds ${bytes.byteLength} bytes, its header says ${expected}`,
    );
  }
  const out = Buffer.allocUnsafe(header.plainLength);
  for (let i = 0; i < n; i++) {
    const at = chunkOffset(header, i);
    const length = chunkPlainBytes(header, i) + TAG_BYTES;
    openChunk(header, key, i, bytes.subarray(at, at + length), out, i * header.chunkBytes, where);
  }
  return out;
}

function nonceOf(i: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64LE(BigInt(i), 4);
  return nonce;
}

function aadOf(header: Uint8Array, i: number): Buffer {
  const aad = Buffer.allocUnsafe(HEADER_BYTES + 8);
  aad.set(header.subarray(0, HEADER_BYTES), 0);
  aad.writeBigUInt64LE(BigInt(i), HEADER_BYTES);
  return aad;
}
