/**
 * `crc32Combine(a, b, lengthB)`: the CRC-32 of two byte runs one after the other from the
 * CRC-32 of each (zlib's `crc32_combine`, which Node does not expose), so that chunks of a
 * file can be checksummed apart, in parallel, and their sums joined in file order. Appending
 * `lengthB` zero bytes to the first run is a linear map over GF(2) on its CRC register; the
 * map for 2^k bytes is the operator for one zero bit squared 3 + k times, applied by the set
 * bits of `lengthB`. Cost: O(32² · log lengthB) operations, independent of the bytes.
 */

/** Reversed CRC-32 polynomial (zlib's). */
const POLY = 0xedb88320;

/** `mat` (32 columns, each a u32) times the GF(2) vector `vec`. */
function times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec !== 0; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i];
  return sum >>> 0;
}

/** `out` = `mat` squared. */
function square(out: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) out[n] = times(mat, mat[n]);
}

/** The CRC-32 of A followed by B, from `crcA`, `crcB` and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) return crcA >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  // The operator for one zero bit.
  odd[0] = POLY;
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row >>> 0;
  square(even, odd); // two zero bits
  square(odd, even); // four zero bits
  let crc = crcA >>> 0;
  let length = lengthB;
  // Apply the operator for each set bit of the length, squaring it from one byte upward.
  do {
    square(even, odd);
    if (length % 2 === 1) crc = times(even, crc);
    length = Math.floor(length / 2);
    if (length === 0) break;
    square(odd, even);
    if (length % 2 === 1) crc = times(odd, crc);
    length = Math.floor(length / 2);
  } while (length !== 0);
  return (crc ^ crcB) >>> 0;
}
