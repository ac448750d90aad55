/**
 * CRC-32 of bytes in a shared kernel memory, computed on a kernel worker (`KernelWorkerPool`
 * call `CRC32`, args `[address, length, crc so far]`), so that loading checksums a segment's
 * bytes off the event loop while it reads and places the next ones. zlib's CRC-32, as
 * `storage/binary.ts` writes and checks files.
 */
import { crc32 } from 'node:zlib';

/** The pool call name of a CRC-32 over shared memory (not a kernels export). */
export const CRC32 = '#crc32';

/** `crc32` of the `args[1]` bytes at address `args[0]` of `memory`, continued from `args[2]`. */
export function crc32Of(memory: WebAssembly.Memory, args: readonly number[]): number {
  const [address, length, previous] = args;
  return crc32(new Uint8Array(memory.buffer, address, length), previous);
}
