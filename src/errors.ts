/**
 * Typed errors. Every error Quiver raises on purpose is a `QuiverError`; its `code` is
 * stable (the server maps codes to HTTP statuses) and its message says what was expected
 * and what was given.
 */

/** Base class of every error Quiver raises deliberately. */
export class QuiverError extends Error {
  /** Stable machine-readable code, e.g. `DIMENSION_MISMATCH`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A vector's length differs from the collection's dimension. */
export class DimensionMismatchError extends QuiverError {
  constructor(
    readonly expected: number,
    readonly given: number,
    where = 'vector',
  ) {
    super('DIMENSION_MISMATCH', `${where}: expected dimension ${expected}, got ${given}`);
  }
}

/** A vector holds NaN, ±Infinity, a non-number, or is otherwise unusable (e.g. zero under cosine). */
export class InvalidVectorError extends QuiverError {
  constructor(message: string) {
    super('INVALID_VECTOR', message);
  }
}

export class CollectionNotFoundError extends QuiverError {
  constructor(readonly collection: string) {
    super('COLLECTION_NOT_FOUND', `collection '${collection}' does not exist`);
  }
}

export class CollectionExistsError extends QuiverError {
  constructor(readonly collection: string) {
    super('COLLECTION_EXISTS', `collection '${collection}' already exists`);
  }
}

/** A filter that does not follow the filter language; `path` points at the offending part. */
export class InvalidFilterError extends QuiverError {
  constructor(
    message: string,
    readonly path = 'filter',
  ) {
    super('INVALID_FILTER', `${path}: ${message}`);
  }
}

/** An id that is neither a string (1..256 chars) nor a non-negative safe integer. */
export class InvalidIdError extends QuiverError {
  constructor(message: string) {
    super('INVALID_ID', message);
  }
}

/** A malformed argument that is not covered by a more specific error (bad k, bad name, bad option). */
export class InvalidArgumentError extends QuiverError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** A stored file failed its magic, version, length or checksum check. Names the file. */
export class CorruptDataError extends QuiverError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('CORRUPT_DATA', `${file}: ${reason}`);
  }
}

/** An operation on a closed database or collection. */
export class ClosedError extends QuiverError {
  constructor(what: string) {
    super('CLOSED', `${what} is closed`);
  }
}

/**
 * The disk holding the database is full (`ENOSPC`, `SQLITE_FULL`). Nothing of the failed
 * operation was acknowledged; reads keep working, and writes succeed again once space is
 * freed. Names the folder.
 */
export class StorageFullError extends QuiverError {
  constructor(
    readonly folder: string,
    operation: string,
  ) {
    super('STORAGE_FULL', `${operation}: the disk holding ${folder} is full; free space and retry`);
  }
}

/**
 * A bounded queue is full (e.g. the embedding workers'): the request was not started and
 * can be retried after `retryAfterSeconds`. Over REST: 503 with `Retry-After`.
 */
export class OverloadedError extends QuiverError {
  constructor(
    what: string,
    readonly retryAfterSeconds = 1,
  ) {
    super('OVERLOADED', `${what} is busy; retry after ${retryAfterSeconds} s`);
  }
}

/**
 * A service the database stands on cannot be reached (cluster mode: the PostgreSQL catalog,
 * the object storage, every replica of a shard): the operation was not acknowledged, and the same call can be retried
 * after `retryAfterSeconds`. When the connection was lost while a commit was under way, the
 * write may have been applied all the same (never in part); writes are idempotent (an upsert
 * by id, a delete), so repeating one is safe. Over REST: 503 with `Retry-After`. The message
 * names the service and what failed, never its address or credentials.
 */
export class UnavailableError extends QuiverError {
  constructor(
    readonly service: 'catalog' | 'object storage' | 'shard replica',
    operation: string,
    readonly retryAfterSeconds = 1,
    options?: { cause?: unknown },
  ) {
    super('UNAVAILABLE', `${operation}: the ${service} is unreachable; retry after ${retryAfterSeconds} s`);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * Memory is exhausted: an allocation would exceed the database's `memoryBudget`, or the
 * engine itself refused to grow or create a memory. Nothing of the failed operation was
 * acknowledged (a seal that fails keeps its rows in the WAL and the growing segment);
 * reads keep working, and writes succeed again once memory is freed (drop, compact,
 * delete + compact). Over REST: 507.
 */
export class CapacityError extends QuiverError {
  constructor(
    /** Bytes the operation needed. */
    readonly needed: number,
    /** Bytes that were available (under the budget, or what the engine could give). */
    readonly available: number,
    what: string,
  ) {
    super(
      'CAPACITY',
      `${what}: out of memory: needed ${needed} more bytes, ${available} available; free memory (drop or compact collections) or raise memoryBudget`,
    );
  }
}

/**
 * A read was asked not to wait (`{ wait: false }`) while the collection's segments are still
 * loading in the background after open. Nothing was done; the same call succeeds once
 * `info().loading.state` is `'ready'` (or, without `wait: false`, waits for it). Over REST: 503
 * with `Retry-After`.
 */
export class NotReadyError extends QuiverError {
  constructor(
    readonly collection: string,
    /** Segments loaded so far and in all, when the error was raised. */
    readonly segmentsLoaded: number,
    readonly segmentsTotal: number,
  ) {
    super(
      'NOT_READY',
      `collection '${collection}' is still loading (${segmentsLoaded} of ${segmentsTotal} segments); retry, or call without wait: false to wait for it`,
    );
  }
}

/**
 * A snapshot file was refused: not a Quiver snapshot, a format version this build cannot
 * read, truncated, damaged (its SHA-256 does not verify), not the checksum the caller
 * expected, or holding data that does not verify. Nothing was changed. Names the file.
 */
export class SnapshotError extends QuiverError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('INVALID_SNAPSHOT', `snapshot ${file}: ${reason}`);
  }
}

/** No snapshot of that name exists for the collection. */
export class SnapshotNotFoundError extends QuiverError {
  constructor(
    readonly collection: string,
    readonly snapshot: string,
  ) {
    super('SNAPSHOT_NOT_FOUND', `collection '${collection}' has no snapshot '${snapshot}'`);
  }
}

/**
 * The encryption key given does not fit the database (or a file of it): no key for an
 * encrypted database, a key whose check value differs from the one recorded, a key for a
 * database created without encryption, or a file sealed under a key that was not given
 * (a key rotation in progress needs the old key too). Nothing was read or changed.
 */
export class EncryptionKeyError extends QuiverError {
  constructor(message: string) {
    super('ENCRYPTION_KEY', message);
  }
}
