/**
 * Errors that only a remote database has (authentication, permission, transport, server
 * failures), and the mapping from an error response back to the engine's typed errors, so
 * that `assert.rejects(fn, CollectionNotFoundError)` holds for the embedded engine and for
 * the client alike: also `StorageFullError` (507), `OverloadedError` (503 `OVERLOADED`,
 * with `retryAfterSeconds` from the `Retry-After` header), `UnavailableError` (503
 * `UNAVAILABLE`: a cluster node's catalog, object storage or shard replica out of reach) and
 * `CorruptDataError`. Where the
 * server withholds details (a full disk names no folder), the rebuilt error says "the server".
 */

import { EmbeddingInputError, EmbeddingModelError } from '../embed/provider.js';
import {
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
import type { ErrorBody } from '../wire/format.js';

/** The server wants an API key, or did not accept the one given (HTTP 401). */
export class AuthenticationError extends QuiverError {
  constructor(message: string) {
    super('UNAUTHORIZED', message);
  }
}

/** The API key may not do this (HTTP 403): a read-only key asked to write. */
export class PermissionDeniedError extends QuiverError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

/** The server could not be reached, or did not answer in time. */
export class ConnectionError extends QuiverError {
  constructor(message: string) {
    super('CONNECTION_FAILED', message);
  }
}

/**
 * The server's TLS certificate was not accepted: not signed by a trusted CA (pass the CA
 * with `connect(url, { ca })`), expired, or not for the host in the URL. Nothing was sent.
 */
export class CertificateError extends ConnectionError {
  override readonly code = 'CERTIFICATE_REJECTED';
}

/**
 * The server failed (a 5xx without an engine error of its own: not shutdown, a full disk,
 * overload, corrupt data or a model that cannot be loaded) or answered with something unexpected.
 */
export class ServerError extends QuiverError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, `server error ${status}: ${message}`);
  }
}

/**
 * The typed error for an error response. `retryAfter` is the response's `Retry-After`
 * header (seconds, or an HTTP date), which an `OVERLOADED` answer carries.
 */
export function errorFromResponse(status: number, body: unknown, retryAfter?: string | null): QuiverError {
  const error = isErrorBody(body)
    ? { code: body.status.code, message: body.status.error, path: body.status.path }
    : { code: 'UNKNOWN', message: `HTTP ${status}`, path: undefined };
  const { code, message } = error;
  switch (code) {
    case 'COLLECTION_NOT_FOUND':
      return new CollectionNotFoundError(quotedName(message));
    case 'COLLECTION_EXISTS':
      return new CollectionExistsError(quotedName(message));
    case 'DIMENSION_MISMATCH': {
      const m = /^(.*): expected dimension (\d+), got (\d+)$/.exec(message);
      return m
        ? new DimensionMismatchError(Number(m[2]), Number(m[3]), m[1])
        : new InvalidVectorError(message);
    }
    case 'INVALID_VECTOR':
      return new InvalidVectorError(message);
    case 'INVALID_FILTER': {
      const path = error.path ?? 'filter';
      const prefix = `${path}: `;
      return new InvalidFilterError(
        message.startsWith(prefix) ? message.slice(prefix.length) : message,
        path,
      );
    }
    case 'INVALID_ID':
      return new InvalidIdError(message);
    case 'INVALID_ARGUMENT':
    case 'PAYLOAD_TOO_LARGE':
      return new InvalidArgumentError(message);
    case 'UNAUTHORIZED':
      return new AuthenticationError(message);
    case 'FORBIDDEN':
      return new PermissionDeniedError(message);
    case 'EMBEDDING_INPUT':
      return new EmbeddingInputError(message);
    case 'EMBEDDING_MODEL':
      return new EmbeddingModelError(message);
    case 'CLOSED':
      return new ClosedError('the server');
    case 'STORAGE_FULL':
      return new StorageFullError("the server's data folder", 'the request');
    case 'OVERLOADED':
      return new OverloadedError(
        /^(.+) is busy; /.exec(message)?.[1] ?? 'the server',
        retryAfterSeconds(retryAfter),
      );
    case 'UNAVAILABLE': {
      // "<operation>: the <service> is unreachable; retry after N s" (cluster mode).
      const m = /^(.*): the (catalog|object storage|shard replica) is unreachable/.exec(message);
      return new UnavailableError(
        (m?.[2] ?? 'catalog') as UnavailableError['service'],
        m?.[1] ?? 'the request',
        retryAfterSeconds(retryAfter),
      );
    }
    case 'NOT_READY': {
      const m = /^collection '(.*)' is still loading \((\d+) of (\d+) segments\)/.exec(message);
      return new NotReadyError(m?.[1] ?? 'the server', Number(m?.[2] ?? 0), Number(m?.[3] ?? 0));
    }
    case 'CORRUPT_DATA': {
      const name = /^collection '(.*)' is unavailable/.exec(message)?.[1];
      return name === undefined
        ? new CorruptDataError('the server', message)
        : new CorruptDataError(name, 'unavailable on the server (its stored data failed verification)');
    }
    default:
      return new ServerError(status, code, message);
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  const status = (body as ErrorBody | null)?.status;
  return (
    typeof status === 'object' &&
    status !== null &&
    typeof status.code === 'string' &&
    typeof status.error === 'string'
  );
}

/** The name in a message like `collection 'images' does not exist`. */
function quotedName(message: string): string {
  return /^collection '(.*)' (?:does not exist|already exists)$/.exec(message)?.[1] ?? message;
}

/** Seconds to wait from a `Retry-After` header: whole seconds, or an HTTP date; 1 when absent or unreadable. */
function retryAfterSeconds(header: string | null | undefined): number {
  if (header == null) return 1;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? 1 : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
