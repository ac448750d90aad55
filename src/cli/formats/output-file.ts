/**
 * An export's output file, written beside its final name (`<name>.partial`) and renamed into
 * place only when complete: an export that fails or is interrupted leaves no file that looks
 * whole, and never replaces an existing one (existing outputs are refused up front).
 */
import { existsSync } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { InvalidArgumentError } from '../../errors.js';

export interface OutputFile {
  readonly path: string;
  readonly handle: FileHandle;
  /** Appends `bytes` (the file is written sequentially). */
  write(bytes: Uint8Array): Promise<void>;
  /** Flushes, closes and renames the file into place. */
  commit(): Promise<void>;
  /** Closes and removes the partial file. Safe after `commit` (does nothing then). */
  abort(): Promise<void>;
}

/**
 * Refuses outputs that exist already, so an export never overwrites a file.
 * @throws InvalidArgumentError naming the first existing path.
 */
export function refuseExisting(paths: string[]): void {
  for (const path of paths) {
    if (existsSync(path)) throw new InvalidArgumentError(`${path} exists; remove it or choose another name`);
  }
}

/** Opens `<path>.partial` for writing (truncating a leftover one). */
export async function createOutput(path: string): Promise<OutputFile> {
  const partial = `${path}.partial`;
  const handle = await open(partial, 'w');
  let done = false;
  return {
    path,
    handle,
    write: async (bytes) => {
      let written = 0;
      while (written < bytes.length) {
        written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
      }
    },
    commit: async () => {
      await handle.sync();
      await handle.close();
      await rename(partial, path);
      done = true;
    },
    abort: async () => {
      if (done) return;
      done = true;
      await handle.close().catch(() => {});
      await rm(partial, { force: true });
    },
  };
}
