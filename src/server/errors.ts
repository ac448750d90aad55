/**
 * One error shape for every failure, `{ error: { code, message, path? } }`, and the mapping
 * from what went wrong to an HTTP status:
 * - schema violations and the engine's invalid-input errors → 400, with the field path;
 * - unknown collection → 404, existing collection → 409, body over the limit → 413;
 * - a raw input an embedding provider cannot read (`EMBEDDING_INPUT`) → 400;
 * - a closed database (the server is shutting down) → 503;
 * - a provider's model that cannot be loaded (`EMBEDDING_MODEL`) → 500 with that code, so a
 *   client can tell it apart, but a generic message: the error names the server's model
 *   files, so it is logged, not sent;
 * - anything else → 500 with a generic message: the error is logged, never sent (no stack,
 *   no file names).
 *
 * Schema violations get the same `code` the engine would give for that field (a bad
 * `query` is `INVALID_VECTOR`, a bad `ids[2]` is `INVALID_ID`, anything under `filter` is
 * `INVALID_FILTER`), so a client can rebuild the same typed error either way.
 */
import type { FastifyError } from 'fastify';
import { InvalidFilterError, QuiverError } from '../errors.js';
import type { ErrorBody } from '../wire/format.js';

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
}

const ENGINE_STATUS: Record<string, number> = {
  DIMENSION_MISMATCH: 400,
  INVALID_VECTOR: 400,
  INVALID_FILTER: 400,
  INVALID_ID: 400,
  INVALID_ARGUMENT: 400,
  COLLECTION_NOT_FOUND: 404,
  COLLECTION_EXISTS: 409,
  EMBEDDING_INPUT: 400,
  EMBEDDING_MODEL: 500,
  CLOSED: 503,
};

const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** fastify's errors for a body that is not JSON although its content type says so. */
const JSON_ERRORS = new Set(['FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY']);

/** Paths of vectors in request bodies: `points[0].vector`, `points[0].vectors.image[3]`, `query`, `query.vector`, `queries[1]`, `positive[0].vector`, `negative[1][2]`. */
const VECTOR_PATH =
  /^(points\[\d+\]\.vectors?(\.[\w-]+)?|query(\.vector)?|queries\[\d+\]|(positive|negative)\[\d+\](\.vector|(?=\[)))(\[|$)/;

/** A small subset of Ajv's error object, as fastify attaches it to `error.validation`. */
interface SchemaViolation {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

export function errorBody(code: string, message: string, path?: string): ErrorBody {
  return { error: path === undefined ? { code, message } : { code, message, path } };
}

/** The response for `error`, thrown while handling a request whose parsed body is `body`. */
export function toErrorResponse(error: unknown, body: unknown, bodyLimit: number): ErrorResponse {
  if (error instanceof QuiverError) {
    const status = ENGINE_STATUS[error.code];
    if (status === undefined) return internal();
    if (status === 503) return { status, body: errorBody(error.code, 'the server is shutting down') };
    if (status === 500) {
      return {
        status,
        body: errorBody(error.code, "an embedding provider's model could not be loaded; see the server log"),
      };
    }
    return { status, body: errorBody(error.code, error.message, enginePath(error, body)) };
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
  if (/^(points\[\d+\]\.id|ids\[\d+\]|cursor)$/.test(path)) return 'INVALID_ID';
  return 'INVALID_ARGUMENT';
}
