/**
 * Decrypted chunks of encrypted segment files, shared by every `EncryptedFileRows` of the
 * process under one byte budget, least recently used evicted first: for encrypted files it
 * plays the part the OS page cache plays for plain ones, so that the rows an `onDisk` search
 * re-ranks again and again are not decrypted again each time (a 64 KiB chunk costs tens of
 * microseconds to authenticate and decrypt; a row is a few hundred bytes of it).
 *
 * Budget: `QUIVER_DECRYPTED_CACHE_BYTES` (default 64 MiB; 0 turns the cache off beyond the
 * chunks of the read in progress). Plaintext lives only in this process's memory, never on disk.
 */

const DEFAULT_BUDGET = 64 * 2 ** 20;

export class DecryptedChunkCache {
  private readonly chunks = new Map<number, Buffer>();
  private readonly byOwner = new Map<number, Set<number>>();
  private bytes = 0;
  private nextOwner = 1;

  constructor(private budget: number) {}

  /** A new owner id (one per reader: its chunks are dropped together by `release`). */
  owner(): number {
    return this.nextOwner++;
  }

  /** Chunk `i` of `owner`, marked as the most recently used; undefined when not cached. */
  get(owner: number, i: number): Buffer | undefined {
    const key = keyOf(owner, i);
    const chunk = this.chunks.get(key);
    if (chunk === undefined) return undefined;
    this.chunks.delete(key);
    this.chunks.set(key, chunk);
    return chunk;
  }

  has(owner: number, i: number): boolean {
    return this.chunks.has(keyOf(owner, i));
  }

  /** Caches chunk `i` of `owner`, evicting the least recently used beyond the budget. */
  set(owner: number, i: number, chunk: Buffer): void {
    const key = keyOf(owner, i);
    const old = this.chunks.get(key);
    if (old !== undefined) {
      this.chunks.delete(key);
      this.bytes -= old.length;
    }
    this.chunks.set(key, chunk);
    this.bytes += chunk.length;
    let keys = this.byOwner.get(owner);
    if (keys === undefined) this.byOwner.set(owner, (keys = new Set()));
    keys.add(key);
    for (const [k, c] of this.chunks) {
      if (this.bytes <= this.budget) break;
      this.chunks.delete(k);
      this.bytes -= c.length;
      this.byOwner.get(Math.floor(k / 2 ** 32))?.delete(k);
    }
  }

  /** Drops every chunk of `owner` (its reader closed). */
  release(owner: number): void {
    for (const key of this.byOwner.get(owner) ?? []) {
      const chunk = this.chunks.get(key);
      if (chunk === undefined) continue;
      this.chunks.delete(key);
      this.bytes -= chunk.length;
    }
    this.byOwner.delete(owner);
  }

  /** Changes the budget (bytes), evicting down to it at the next `set`. */
  setBudget(bytes: number): void {
    this.budget = bytes;
  }

  /** Bytes of plaintext held. */
  get heldBytes(): number {
    return this.bytes;
  }
}

function keyOf(owner: number, i: number): number {
  return owner * 2 ** 32 + i;
}

function budgetFromEnv(): number {
  const text = process.env.QUIVER_DECRYPTED_CACHE_BYTES;
  const n = text === undefined ? Number.NaN : Number(text);
  return Number.isSafeInteger(n) && n >= 0 ? n : DEFAULT_BUDGET;
}

/** The process's cache. */
export const decryptedChunks = new DecryptedChunkCache(budgetFromEnv());
