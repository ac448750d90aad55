/**
 * Reading files fast: large files are read whole with several positioned reads of
 * {@link CHUNK_BYTES} in flight at once into one buffer. On this machine's disk a single
 * stream of reads (what `readFile` does, 512 KiB at a time) reaches about a third of `dd`'s
 * sequential speed; four 16 MiB reads in flight reach about 95% of it (measured with the page
 * cache dropped), because the disk and the copy into fresh memory overlap. Positioned reads
 * into a wasm memory (`openFileReader`, loading) go direct where they can (`O_DIRECT`): the
 * copy through the page cache, and the page cache's own fresh pages, cost the kernel more
 * than the reads themselves.
 */
import { constants } from 'node:fs';
import { type FileHandle, open, readFile } from 'node:fs/promises';

/** Positioned reads of one immutable object (`ObjectStore.openReader`). */
export interface ObjectReader {
  /** Bytes of the object. */
  readonly size: number;
  /** Reads bytes [position, position + target.length) into `target`, all of them (throws if the object ends first). */
  read(position: number, target: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Reads of this size are issued {@link IN_FLIGHT} at a time. */
const CHUNK_BYTES = 16 * 2 ** 20;
const IN_FLIGHT = 4;

/** The bytes of the file at `path`; `readFile` for files smaller than two chunks. */
export async function readWholeFile(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size < 2 * CHUNK_BYTES) return await readFile(handle);
    const out = Buffer.allocUnsafe(size);
    let next = 0;
    const reader = async () => {
      while (next < size) {
        const at = next;
        const end = Math.min(size, at + CHUNK_BYTES);
        next = end;
        for (let done = at; done < end; ) {
          const { bytesRead } = await handle.read(out, done, end - done, done);
          if (bytesRead === 0)
            throw new Error(`${path}: file ended at ${done} of ${size} bytes while reading`);
          done += bytesRead;
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, reader));
    return out;
  } finally {
    await handle.close();
  }
}

/**
 * A reader of positioned reads of the file at `path` (`ObjectStore.openReader`): one open
 * file, and for a file of `directMinBytes` or more a second one for direct reads
 * (`O_DIRECT`, where the platform and file system have them): a read of `directReadBytes` or
 * more into a shared memory (a wasm memory: its buffer starts on a page) whose offset is
 * congruent to the file position modulo {@link DIRECT_ALIGN} goes direct, but for the parts
 * before and after the aligned pages. The device then writes into the memory with no copy
 * through the page cache: measured loading 10M × 128 (6.6 GB), the kernel's time fell from
 * 17–22 s to 4–5 s and the load from 12–16 s to 6–7 s.
 */
export async function openFileReader(
  path: string,
  { directMinBytes = DIRECT_MIN_BYTES, directReadBytes = DIRECT_READ_BYTES } = {},
): Promise<ObjectReader & { readonly directBytes: number }> {
  const handle = await open(path, 'r');
  let direct: FileHandle | undefined;
  let directBytes = 0;
  try {
    const size = (await handle.stat()).size;
    direct = size >= directMinBytes ? await openDirect(path) : undefined;
    const readAll = async (from: FileHandle, position: number, target: Uint8Array) => {
      for (let done = 0; done < target.length; ) {
        const { bytesRead } = await from.read(target, done, target.length - done, position + done);
        if (bytesRead === 0)
          throw new Error(
            `${path}: file ended at ${position + done} while reading to ${position + target.length}`,
          );
        done += bytesRead;
      }
    };
    return {
      size,
      /** Bytes read direct so far. */
      get directBytes() {
        return directBytes;
      },
      read: async (position, target) => {
        const split = direct && directSplit(position, target, directReadBytes);
        if (!split) return readAll(handle, position, target);
        const [head, body] = split;
        try {
          await readAll(direct!, position + head, target.subarray(head, head + body));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
          // This memory or file refuses direct reads after all: read through the page cache from now on.
          const refused = direct;
          direct = undefined;
          await refused?.close();
          return readAll(handle, position, target);
        }
        directBytes += body;
        if (head > 0) await readAll(handle, position, target.subarray(0, head));
        if (head + body < target.length)
          await readAll(handle, position + head + body, target.subarray(head + body));
      },
      close: async () => {
        await direct?.close();
        await handle.close();
      },
    };
  } catch (err) {
    await direct?.close();
    await handle.close();
    throw err;
  }
}

/**
 * Alignment of direct reads (`O_DIRECT`): file position, length and memory address all on
 * this boundary (a page; more than the 512-byte sectors most devices need).
 */
export const DIRECT_ALIGN = 4096;
/** Files from this size are opened for direct reads too. */
const DIRECT_MIN_BYTES = 64 * 2 ** 20;
/** Reads from this size go direct when they can. */
const DIRECT_READ_BYTES = 2 ** 20;

/** Whether this platform has direct reads and they are not turned off (`QUIVER_DIRECT_READS=0`). */
export function directReadsOn(): boolean {
  return process.env.QUIVER_DIRECT_READS !== '0' && constants.O_DIRECT !== undefined;
}

/**
 * Opens `path` for direct reads (`O_DIRECT`: the device writes straight into the reader's
 * memory, with no copy through the page cache), or undefined where the platform or file
 * system has none (`QUIVER_DIRECT_READS=0` turns them off).
 */
async function openDirect(path: string): Promise<FileHandle | undefined> {
  if (!directReadsOn()) return undefined;
  try {
    return await open(path, constants.O_RDONLY | constants.O_DIRECT);
  } catch {
    return undefined;
  }
}

/**
 * How a read of `target` at `position` splits for a direct read: `[head, body]`, where bytes
 * [head, head + body) of `target` are read direct and the rest through the page cache; or
 * undefined when it should not (under `minBytes`, not in a shared memory, or position and address not
 * congruent modulo {@link DIRECT_ALIGN}: a wasm memory's buffer starts on a page, so the
 * view's offset stands for its address).
 */
function directSplit(position: number, target: Uint8Array, minBytes: number): [number, number] | undefined {
  if (target.length < minBytes || !(target.buffer instanceof SharedArrayBuffer)) return undefined;
  if ((position - target.byteOffset) % DIRECT_ALIGN !== 0) return undefined;
  const head = (DIRECT_ALIGN - (position % DIRECT_ALIGN)) % DIRECT_ALIGN;
  const body = Math.floor((target.length - head) / DIRECT_ALIGN) * DIRECT_ALIGN;
  return body > 0 ? [head, body] : undefined;
}

/** Bytes of each read of `readThrough`. */
const READ_AHEAD_CHUNK = 8 * 2 ** 20;

/**
 * Reads the file at `path` from start to end into a scratch buffer and discards the bytes,
 * so that the reads that follow find them in the page cache (read-ahead of a file that will
 * be needed next). One read in flight, so that it takes the disk's idle time more than it
 * competes with the reads of what is needed now. Stops between reads once `signal` aborts.
 * Errors (a missing file) are the caller's to ignore: the read that needs the file reports them.
 */
export async function readThrough(path: string, signal: AbortSignal): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const scratch = Buffer.allocUnsafe(READ_AHEAD_CHUNK);
    for (let position = 0; !signal.aborted; ) {
      const { bytesRead } = await handle.read(scratch, 0, READ_AHEAD_CHUNK, position);
      if (bytesRead === 0) return;
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}
