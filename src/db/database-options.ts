/**
 * `OpenOptions`, what `Quiver.open` accepts, and the checks of its memory options. Every
 * option is checked before the folder is touched: an invalid `arenaBytes` or `memoryBudget`
 * fails with `InvalidArgumentError` and creates nothing.
 */
import { InvalidArgumentError } from '../errors.js';
import { checkArenaBytes, MemoryArenas } from '../kernels/arenas.js';
import type { Kernels } from '../kernels/kernels.js';
import { defaultKernelKind } from '../kernels/load.js';
import type { EncryptionKeyInput } from '../storage/encrypt-keys.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { EmbedderResolver } from './field-embedders.js';
import { describe } from './validate.js';

export interface OpenOptions {
  /**
   * Kernel implementation: every memory arena of the database is made of the same kind as
   * this instance (which holds none of its data). Default: wasm SIMD, or the JS fallback
   * when the wasm was not built or `QUIVER_KERNELS=js`.
   */
  kernels?: Kernels;
  /**
   * Bytes of data placed in one memory arena at most (default: `QUIVER_ARENA_BYTES` if set,
   * else 4 GiB; between 1 MiB and 4 GiB). A sealed segment never spans arenas, so segments
   * hold fewer than `segmentSize` rows when that many would not fit in one.
   */
  arenaBytes?: number;
  /**
   * Bytes of memory the database's arenas (vectors and indexes) may commit together
   * (default: no bound but the machine's). A write or seal that would exceed it fails with
   * `CapacityError` and changes nothing.
   */
  memoryBudget?: number;
  /**
   * When the collections' sealed segments load after open (db/segment-loader.ts): `'background'`
   * (default) starts at once, so that the first reads find them loaded; `'on-demand'` starts a
   * collection's load at its first read or write, so a process that only lists or describes
   * collections (`quiver info`) never reads a segment file. Either way `open` does not wait.
   */
  load?: 'background' | 'on-demand';
  /** Where segment and tombstone files live (defaults to the folder itself, `FsObjectStore`). */
  objectStore?: ObjectStore;
  /**
   * Creates the embedding providers that vector fields name (default: `providerResolver()` of
   * `quiverdb/embed`, registered by the package entry point, which runs each field's model on
   * its own worker threads; `providerResolver({ inProcess: true })` runs them on the calling
   * thread).
   */
  embedders?: EmbedderResolver;
  /**
   * Encryption at rest (db/encryption.ts): the database's 256-bit master key, as 32 bytes or
   * 64 hex characters. Given when a database is created, every file and catalog row holding
   * vectors, payloads or images is sealed with AES-256-GCM under keys derived from it, and
   * every later open needs it (`EncryptionKeyError` without it or with another key). A
   * database created without a key cannot be opened with one.
   */
  encryptionKey?: EncryptionKeyInput;
  /**
   * The keys a key rotation interrupted by a crash was rotating from
   * (`rotateEncryptionKey`): the rotation resumes in the background at open.
   */
  previousEncryptionKeys?: EncryptionKeyInput[];
}

/**
 * The memory arenas `options` ask for.
 * @throws InvalidArgumentError for an `arenaBytes` or `memoryBudget` that is not a byte count.
 */
export function arenasOf(options: OpenOptions): MemoryArenas {
  const { arenaBytes, memoryBudget } = options;
  if (arenaBytes !== undefined) {
    try {
      checkArenaBytes(arenaBytes, 'arenaBytes');
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  }
  checkBudget(memoryBudget);
  return new MemoryArenas({ arenaBytes, memoryBudget, kind: options.kernels?.kind ?? defaultKernelKind() });
}

/** @throws InvalidArgumentError unless `bytes` is undefined or a positive integer. */
export function checkBudget(bytes: number | undefined): void {
  if (bytes !== undefined && !(Number.isSafeInteger(bytes) && bytes > 0)) {
    throw new InvalidArgumentError(
      `memoryBudget: expected a positive integer number of bytes, got ${describe(bytes)}`,
    );
  }
}
