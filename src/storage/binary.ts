/**
 * Little-endian binary helpers shared by the file formats. All Quiver files are
 * little-endian regardless of the host (every platform Node supports in practice is LE,
 * and the f32 sections are copied into memory without swapping).
 */
import { crc32 } from 'node:zlib';

export { crc32 };

/**
 * Rounds `n` up to a multiple of `alignment` (a power of two). Exact for every safe integer:
 * file offsets pass 2^31 (a segment of an arena larger than 2 GiB), where bitwise operators
 * would wrap.
 */
export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8, throwing on malformed bytes (so corruption is never silently accepted). */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** The bytes of a Float32Array, without copying. */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** A Float32Array copy of `byteLength` bytes at `offset` of `bytes` (alignment-safe). */
export function copyFloat32(bytes: Uint8Array, offset: number, byteLength: number): Float32Array {
  const out = new Float32Array(byteLength / 4);
  bytesOf(out).set(bytes.subarray(offset, offset + byteLength));
  return out;
}
