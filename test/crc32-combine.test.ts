/**
 * `crc32Combine` joins the CRC-32 of two runs into that of both, as zlib's `crc32_combine`:
 * checked against zlib's CRC-32 of the concatenation for empty, short, odd and 16 MiB runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { SeededRandom } from '../src/eval/random.js';
import { crc32Combine } from '../src/storage/crc32-combine.js';

function bytes(length: number, seed: number): Uint8Array {
  const rng = new SeededRandom(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rng.next() * 256);
  return out;
}

test('the combined CRC-32 of two runs equals the CRC-32 of both', () => {
  const cases: [number, number][] = [
    [0, 0],
    [0, 5],
    [5, 0],
    [1, 1],
    [100, 37],
    [4096, 4097],
    [3, 16 << 20],
  ];
  for (const [la, lb] of cases) {
    const a = bytes(la, la + 1);
    const b = bytes(lb, lb + 7);
    const both = new Uint8Array(la + lb);
    both.set(a);
    both.set(b, la);
    assert.equal(crc32Combine(crc32(a), crc32(b), lb), crc32(both), `${la} + ${lb} bytes`);
  }
});

test('a chain of combined chunks equals the CRC-32 of the whole, from a starting sum', () => {
  const whole = bytes(100_000, 42);
  const prefix = crc32(whole.subarray(0, 1000));
  let sum = prefix;
  for (let at = 1000; at < whole.length; at += 7777) {
    const chunk = whole.subarray(at, Math.min(whole.length, at + 7777));
    sum = crc32Combine(sum, crc32(chunk), chunk.length);
  }
  assert.equal(sum, crc32(whole));
});
