/**
 * One error shape for every failure, Qdrant's `{ status: { error }, time }` with Quiver's
 * stable `code` and the offending field's `path` beside the message
 * (`{ status: { error, code, path? }, time }`), and the mapping
 * from what went wrong to an HTTP status. Every code the engine raises has a deliberate
 * status (`CODE_STATUS`); a code missing from it is a bug and answers 500 `INTERNAL`.
 * - the request is wrong → 400 with the engine's message and the field path: schema
 *   violations and the engine's invalid-input errors, a raw input an embedding provider
 *   cannot read (`EMBEDDING_INPUT`), a body that is not JSON or not UTF-8 (`INVALID_JSON`);
 * - unknown collection (also one dropped while the request ran) → 404; existing collection
 *   → 409; a manifest commit that lost a race (`MANIFEST_CONFLICT`, which the engine should
 *   never let out: a belt) → 409, retryable; body over the limit → 413;
 * - the disk holding the database is full (`STORAGE_FULL`) → 507 Insufficient Storage:
 *   nothing of the request was kept, and the same request succeeds once space is freed;
 *   so is memory (`CAPACITY`: the memory budget or the machine's memory is exhausted; its
 *   message names only byte counts, so it is sent as is);
 * - a full work queue (`OVERLOADED`, e.g. the embedding workers') → 503 with `Retry-After`
 *   (whole seconds), the request was not started; so is a catalog or object storage that
 *   cannot be reached (`UNAVAILABLE`, cluster mode): nothing of the request was acknowledged;
 * - a closed database (the server is shutting down, `CLOSED`) → 503;
 * - a read that asked not to wait (`wait=false`) for a collection still loading after open
 *   (`NOT_READY`) → 503 with `Retry-After: 1`;
 * - the server's own data or set-up is broken → 500 with the engine's code, so a client can
 *   tell the cases apart: a collection whose stored data failed verification
 *   (`CORRUPT_DATA`; 500, not 409, because no request of the client's can repair it: an
 *   operator restores or drops the collection), a model that cannot be loaded
 *   (`EMBEDDING_MODEL`), a file format this build cannot read (`UNSUPPORTED_VERSION`), a
 *   database folder held by another process (`DATABASE_LOCKED`);
 * - anything else → 500 `INTERNAL` with a generic message.
 *
 * The message of a 5xx never carries server file paths or internals: codes whose engine
 * message names them (`CLOSED` and every 500 and 507 above, `MANIFEST_CONFLICT` too) are
 * sent with a fixed message instead (`WITHHELD`), naming at most the collection of the
 * request; the error itself goes to the server log. Stacks are never sent.
 *
 * Schema violations get the same `code` the engine would give for that field (a bad
 * `query` is `INVALID_VECTOR`, a bad `ids[2]` is `INVALID_ID`, anything under `filter` is
 * `INVALID_FILTER`), so a client can rebuild the same typed error either way.
 */
import type { FastifyError } from 'fastify';
import {
  InvalidFilterError,
  NotReadyError,
  OverloadedError,
  QuiverError,
  UnavailableError,
} from '../errors.js';
import type { ErrorBody } from '../wire/format.js';

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  /** Headers to send with it (`Retry-After` of a 503 `OVERLOADED`). */
  headers?: Record<string, string>;
}

/** The status of each error code the engine (or the server's body parser) raises. */
const CODE_STATUS: Record<string, number> = {
  DIMENSION_MISMATCH: 400,
  INVALID_VECTOR: 400,
  INVALID_FILTER: 400,
  INVALID_ID: 400,
  INVALID_ARGUMENT: 400,
  INVALID_JSON: 400,
  EMBEDDING_INPUT: 400,
  INVALID_SNAPSHOT: 400,
  ENCRYPTION_KEY: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  COLLECTION_NOT_FOUND: 404,
  POINT_NOT_FOUND: 404,
  THUMBNAIL_NOT_FOUND: 404,
  SNAPSHOT_NOT_FOUND: 404,
  COLLECTION_EXISTS: 409,
  MANIFEST_CONFLICT: 409,
  OVERLOADED: 503,
  UNAVAILABLE: 503,
  NOT_READY: 503,
  CLOSED: 503,
  STORAGE_FULL: 507,
  CAPACITY: 507,
  CORRUPT_DATA: 500,
  EMBEDDING_MODEL: 500,
  UNSUPPORTED_VERSION: 500,
  DATABASE_LOCKED: 500,
};

/**
 * The message sent for codes whose own message names server files or internal ids, given
 * the collection the request named (if any).
 */
const WITHHELD: Record<string, (collection: string | undefined) => string> = {
  CLOSED: () => 'the server is shutting down',
  MANIFEST_CONFLICT: (c) => `${subject(c)} was changed by a concurrent operation; retry`,
  STORAGE_FULL: () =>
    "the disk holding the server's data folder is full: nothing of this request was kept; retry once space is freed",
  CORRUPT_DATA: (c) =>
    `${subject(c)} is unavailable: its stored data failed verification; see the server log (it can be dropped)`,
  EMBEDDING_MODEL: () => "an embedding provider's model could not be loaded; see the server log",
  UNSUPPORTED_VERSION: () =>
    "the server's stored data has a format version this build cannot read; see the server log",
  DATABASE_LOCKED: () => "the server's data folder is in use by another process",
};

function subject(collection: string | undefined): string {
  return collection === undefined ? 'a collection' : `collection '${collection}'`;
}

const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** fastify's errors for a body that is not JSON although its content type says so. */
const JSON_ERRORS = new Set(['FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY']);

/**
 * Paths of vectors in request bodies: `points[0].vector`, `points[0].vector.image[3]`,
 * `batch.vectors[2]`, `vector`, `vector.vector`, `searches[1].vector`, `positive[0]`,
 * `query`, `query.nearest`.
 */
const VECTOR_PATH =
  /^(points\[\d+\]\.vector(\.[\w-]+)?|batch\.vectors(\.[\w-]+)?\[\d+\]|vector(\.vector)?|searches\[\d+\]\.vector(\.vector)?|(positive|negative)\[\d+\]|query(\.nearest)?)(\[|$)/;

/** A small subset of Ajv's error object, as fastify attaches it to `error.validation`. */
interface SchemaViolation {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** An error body; `time` (seconds) is filled in by the server as the response leaves. */
export function errorBody(code: string, message: string, path?: string, time = 0): ErrorBody {
  return {
    status: path === undefined ? { error: message, code } : { error: message, code, path },
    time,
  };
}

/**
 * The response for `error`, thrown while handling a request whose parsed body is `body`
 * and whose path names `collection` (if it does).
 */
export function toErrorResponse(
  error: unknown,
  body: unknown,
  bodyLimit: number,
  collection?: string,
): ErrorResponse {
  if (error instanceof QuiverError) {
    const status = CODE_STATUS[error.code];
    if (status === undefined) return internal();
    const withheld = WITHHELD[error.code];
    const response: ErrorResponse = withheld
      ? { status, body: errorBody(error.code, withheld(collection)) }
      : { status, body: errorBody(error.code, error.message, enginePath(error, body)) };
    if (error instanceof OverloadedError || error instanceof UnavailableError) {
      response.headers = { 'retry-after': String(Math.max(0, Math.ceil(error.retryAfterSeconds))) };
    } else if (error instanceof NotReadyError) {
      response.headers = { 'retry-after': '1' };
    }
    return response;
  }
  const fastifyError = error as Partial<FastifyError>;
  if (Array.isArray(fastifyError.validation) && fastifyError.validation.length > 0) {
    return schemaViolation(fastifyError.validation as SchemaViolation[], fastifyError.validationContext);
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) {
      return {
        status,
        body: errorBody('PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${bodyLimit} bytes`),
      };
    }
    if (status === 415) {
      const given = fastifyError.message ?? 'Unsupported Media Type';
      return {
        status,
        body: errorBody(
          'UNSUPPORTED_MEDIA_TYPE',
          `${given}; send a JSON body with Content-Type: application/json`,
        ),
      };
    }
    const code = JSON_ERRORS.has(fastifyError.code ?? '') ? 'INVALID_JSON' : HTTP_CODES[status];
    return { status, body: errorBody(code ?? 'BAD_REQUEST', fastifyError.message ?? 'bad request') };
  }
  return internal();
}

function internal(): ErrorResponse {
  return { status: 500, body: errorBody('INTERNAL', 'internal server error') };
}

/**
 * The path of the field an engine error is about: an `InvalidFilterError`'s own `path`, or
 * the `field[…]…:` prefix of the message when `field` is a property of the request body.
 */
function enginePath(error: QuiverError, body: unknown): string | undefined {
  if (error instanceof InvalidFilterError) return error.path;
  const match = /^([A-Za-z_]\w*)((?:\[\d+\]|\.[A-Za-z_]\w*)*)(?::| must )/.exec(error.message);
  if (!match || typeof body !== 'object' || body === null || !Object.hasOwn(body, match[1])) return undefined;
  return match[1] + match[2];
}

function schemaViolation(violations: SchemaViolation[], context: string | undefined): ErrorResponse {
  // The deepest violation names the most specific field; at equal depth, the branches of a
  // union (`anyOf`) are reported together. A branch's `type` violation only says the value is
  // not of that branch's type: another violation at the same place comes from the branch
  // whose type matched (a misspelt key in a query object, a bad base64 string), and says more.
  const depth = (v: SchemaViolation) => v.instancePath.split('/').length;
  const deepest = Math.max(...violations.map(depth));
  const candidates = violations.filter((v) => depth(v) === deepest && v.keyword !== 'anyOf');
  const telling = candidates.filter((v) => v.keyword !== 'type');
  const chosen = telling.length > 0 ? telling : candidates;
  const first = chosen[0] ?? violations.find((v) => depth(v) === deepest)!;
  const base = pointerToPath(first.instancePath);
  let path = base;
  let reason: string;
  const alike = chosen.filter((v) => v.instancePath === first.instancePath);
  if (first.keyword === 'required') {
    path = join(base, String(first.params.missingProperty));
    reason = 'is required';
  } else if (first.keyword === 'additionalProperties') {
    path = join(base, String(first.params.additionalProperty));
    reason = 'is not a known property';
  } else if (violations.some((v) => v.keyword === 'anyOf' && v.instancePath === first.instancePath)) {
    reason = [...new Set(alike.map(describeViolation))].join(' or ');
  } else {
    reason = describeViolation(first);
  }
  if (context !== 'body' && path === '') path = context ?? '';
  return {
    status: 400,
    body: errorBody(
      fieldCode(path),
      `${path === '' ? 'body' : path}: ${reason}`,
      path === '' ? undefined : path,
    ),
  };
}

function describeViolation(v: SchemaViolation): string {
  if (v.keyword === 'enum') return `must be one of ${(v.params.allowedValues as unknown[]).join(', ')}`;
  if (v.keyword === 'pattern') {
    return String(v.params.pattern).startsWith('^(?:[A-Za-z0-9+/]{4})')
      ? 'must be a base64 string'
      : `must match ${v.params.pattern}`;
  }
  if (v.keyword === 'const') return `must be ${JSON.stringify(v.params.allowedValue)}`;
  return v.message ?? v.keyword;
}

/** `/points/0/vector` → `points[0].vector` (the engine's way of naming a field). */
function pointerToPath(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    path = /^\d+$/.test(segment) ? `${path}[${segment}]` : join(path, segment);
  }
  return path;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * The engine's error code for a bad value at `path`: vectors (named ones included, and a
 * query or example that must be a vector) are `INVALID_VECTOR`.
 */
function fieldCode(path: string): string {
  if (/^filter(\.|\[|$)/.test(path)) return 'INVALID_FILTER';
  if (VECTOR_PATH.test(path)) return 'INVALID_VECTOR';
  if (/^(points\[\d+\](\.id)?|ids\[\d+\]|batch\.ids\[\d+\]|offset)$/.test(path)) return 'INVALID_ID';
  return 'INVALID_ARGUMENT';
}
