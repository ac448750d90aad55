/**
 * Errors of the FAISS layer. FAISS raises `RuntimeError` for an operation an index type does
 * not support (`add_with_ids` on a flat index, `remove_ids` on HNSW); Quiver raises
 * `UnsupportedOperationError` naming the index class and the operation, and never crashes.
 * A file whose fourcc (FAISS) or layout (hnswlib) this reader does not know is refused with
 * `UnsupportedIndexFileError`, a `CorruptDataError` naming the file and the fourcc.
 */
import { CorruptDataError, QuiverError } from '../errors.js';

/** The index class refuses the operation, as FAISS refuses it with a RuntimeError (e.g. `addWithIds` on a flat index). */
export class UnsupportedOperationError extends QuiverError {
  constructor(indexClass: string, operation: string, hint = '') {
    super('UNSUPPORTED_OPERATION', `${indexClass} does not support ${operation}${hint ? `: ${hint}` : ''}`);
  }
}

/** An index that must be trained was used before `train`. */
export class NotTrainedError extends QuiverError {
  constructor(indexClass: string, operation: string) {
    super('NOT_TRAINED', `${indexClass}: ${operation} needs a trained index; call train() first`);
  }
}

/** A FAISS file holds an index class (fourcc) this reader does not know. */
export class UnsupportedIndexFileError extends CorruptDataError {
  constructor(
    file: string,
    readonly fourcc: string,
    readonly supported: readonly string[],
  ) {
    super(
      file,
      `FAISS index type '${fourcc}' is not supported by this reader (it reads ${supported.join(', ')}); ` +
        'the file may come from a newer FAISS or use an index class Quiver does not implement',
    );
  }
}
