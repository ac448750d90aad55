/**
 * JSON for calls between cluster nodes: typed arrays and byte buffers travel as base64 inside
 * tagged objects (`{ "$f32": "…" }`, `{ "$u8": "…" }`), so vectors keep every bit; errors
 * travel as `{ code, message }` and come back as `QuiverError`s with the same code (so the
 * REST layer answers the same status whichever node raised them).
 */
import {
  CapacityError,
  ClosedError,
  CollectionExistsError,
  CollectionNotFoundError,
  CorruptDataError,
  DimensionMismatchError,
  InvalidArgumentError,
  InvalidFilterError,
  InvalidIdError,
  InvalidVectorError,
  NotReadyError,
  OverloadedError,
  QuiverError,
  StorageFullError,
  UnavailableError,
} from '../errors.js';

export const REPLICA_PATH = '/cluster/v1/replica';
export const REPLICA_CONTENT_TYPE = 'application/x-quiver-rpc';

/** One call of a router on a shard replica held by another node. */
export interface ReplicaCall {
  collectionId: number;
  shard: number;
  method: string;
  args: unknown[];
  /** The log position the replica must have applied before answering (0: none). */
  minSeq: number;
}

export function encodeRpc(value: unknown): string {
  return JSON.stringify(value, function replacer(this: unknown, key: string, v: unknown) {
    const raw = (this as Record<string, unknown>)[key];
    if (raw instanceof Float32Array)
      return { $f32: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
    if (raw instanceof Uint8Array)
      return { $u8: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
    return v;
  });
}

export function decodeRpc(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$f32 === 'string' && Object.keys(o).length === 1) {
        const bytes = Buffer.from(o.$f32, 'base64');
        const out = new Float32Array(bytes.byteLength / 4);
        new Uint8Array(out.buffer).set(bytes);
        return out;
      }
      if (typeof o.$u8 === 'string' && Object.keys(o).length === 1) return Buffer.from(o.$u8, 'base64');
    }
    return v;
  });
}

export interface RpcError {
  code: string;
  message: string;
  /** The error's own fields (`expected`, `collection`, `path`…), so it comes back whole. */
  fields?: Record<string, unknown>;
}

/** The engine's error classes by code, so an error raised on another node is the same class here. */
const CLASSES: Record<string, { prototype: QuiverError }> = {
  DIMENSION_MISMATCH: DimensionMismatchError,
  INVALID_VECTOR: InvalidVectorError,
  COLLECTION_NOT_FOUND: CollectionNotFoundError,
  COLLECTION_EXISTS: CollectionExistsError,
  INVALID_FILTER: InvalidFilterError,
  INVALID_ID: InvalidIdError,
  INVALID_ARGUMENT: InvalidArgumentError,
  CORRUPT_DATA: CorruptDataError,
  CLOSED: ClosedError,
  STORAGE_FULL: StorageFullError,
  OVERLOADED: OverloadedError,
  UNAVAILABLE: UnavailableError,
  CAPACITY: CapacityError,
  NOT_READY: NotReadyError,
};

/** The error to send for `err` (codes of `QuiverError`s; `INTERNAL` with a generic message otherwise). */
export function rpcError(err: unknown): RpcError {
  if (!(err instanceof QuiverError)) {
    return { code: 'INTERNAL', message: 'a cluster node failed to answer; see its log' };
  }
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k !== 'code' && k !== 'message' && k !== 'cause' && (v === null || typeof v !== 'object'))
      fields[k] = v;
  }
  return { code: err.code, message: err.message, fields };
}

/** The error another node raised: of the same class when the code is one of the engine's, with its fields. */
export function remoteError(error: RpcError): QuiverError {
  const cls = CLASSES[error.code];
  if (!cls) return new QuiverError(error.code, error.message);
  const out = Object.create(cls.prototype) as QuiverError;
  Object.assign(out, error.fields ?? {});
  Object.defineProperties(out, {
    code: { value: error.code, enumerable: true, writable: true, configurable: true },
    message: { value: error.message, writable: true, configurable: true },
    stack: {
      value: `${(cls.prototype.constructor as { name: string }).name}: ${error.message}`,
      writable: true,
      configurable: true,
    },
  });
  return out;
}
