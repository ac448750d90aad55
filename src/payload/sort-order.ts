/**
 * A stable ascending sort order of float64 keys by LSD radix sort, for building sorted
 * payload indexes: 1M keys take tens of milliseconds, several times faster than
 * `Uint32Array.prototype.sort` with a comparator.
 *
 * Each key is mapped to an unsigned 64-bit pattern that orders like the number (flip every
 * bit of a negative number, only the sign bit of a positive one), held as two u32 halves,
 * and sorted by four 16-bit digits, skipping a digit that every key shares (the low digits of
 * integers are all zero). NaN must not occur; -0 sorts before +0, which compare equal.
 */

const DIGIT_BITS = 16;
const DIGIT_MASK = (1 << DIGIT_BITS) - 1;

/**
 * The permutation `order` with `keys[order[0]] <= keys[order[1]] <= …`; equal keys keep their
 * input order (stable).
 * @example
 * sortOrder(new Float64Array([3, -1, 2, -1])); // Uint32Array [1, 3, 2, 0]
 */
export function sortOrder(keys: Float64Array): Uint32Array {
  const n = keys.length;
  let high = new Uint32Array(n);
  let low = new Uint32Array(n);
  const bits = new Uint32Array(keys.buffer, keys.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    // Little-endian: word 2i is the low half of key i, word 2i+1 its high half (with the sign).
    const h = bits[2 * i + 1];
    const negative = (h & 0x80000000) !== 0;
    high[i] = negative ? ~h >>> 0 : (h | 0x80000000) >>> 0;
    low[i] = negative ? ~bits[2 * i] >>> 0 : bits[2 * i];
  }
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let spareOrder = new Uint32Array(n);
  let spareHigh = new Uint32Array(n);
  let spareLow = new Uint32Array(n);
  const counts = new Uint32Array(1 << DIGIT_BITS);
  for (let pass = 0; pass < 4; pass++) {
    const fromLow = pass < 2;
    const source = fromLow ? low : high;
    const shift = (pass & 1) * DIGIT_BITS;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(source[i] >>> shift) & DIGIT_MASK]++;
    if (n === 0 || counts[(source[0] >>> shift) & DIGIT_MASK] === n) continue;
    let start = 0;
    for (let digit = 0; digit < counts.length; digit++) {
      const count = counts[digit];
      counts[digit] = start;
      start += count;
    }
    for (let i = 0; i < n; i++) {
      const at = counts[(source[i] >>> shift) & DIGIT_MASK]++;
      spareOrder[at] = order[i];
      spareHigh[at] = high[i];
      // After the two low passes the low halves are no longer read.
      if (fromLow) spareLow[at] = low[i];
    }
    [order, spareOrder] = [spareOrder, order];
    [high, spareHigh] = [spareHigh, high];
    if (fromLow) [low, spareLow] = [spareLow, low];
  }
  return order;
}
