/**
 * Opens a vector file by format, inferring the format from the extension when not given:
 * `.npy` → npy, `.fvecs` → fvecs, `.jsonl` / `.ndjson` → jsonl (case-insensitive).
 */
import { extname } from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import { openFvecs } from './fvecs.js';
import { openJsonl } from './jsonl.js';
import { openNpy } from './npy.js';
import type { VectorFile, VectorFormat } from './vector-file.js';

export const VECTOR_FORMATS: readonly VectorFormat[] = ['npy', 'fvecs', 'jsonl'];

const BY_EXTENSION: Record<string, VectorFormat> = {
  '.npy': 'npy',
  '.fvecs': 'fvecs',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

/**
 * The format of `path` from its extension.
 * @throws InvalidArgumentError when the extension is not one of the known ones.
 */
export function formatFromPath(path: string): VectorFormat {
  const format = BY_EXTENSION[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new InvalidArgumentError(
      `cannot tell the format of '${path}' from its extension; use .npy, .fvecs, .jsonl or .ndjson, or pass --format`,
    );
  }
  return format;
}

/** Opens `path` as `format` (default: from the extension). See each reader for what it checks on open. */
export async function openVectorFile(
  path: string,
  format: VectorFormat = formatFromPath(path),
): Promise<VectorFile> {
  switch (format) {
    case 'npy':
      return openNpy(path);
    case 'fvecs':
      return openFvecs(path);
    case 'jsonl':
      return openJsonl(path);
  }
}
