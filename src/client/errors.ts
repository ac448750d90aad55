/**
 * Errors that only a remote database has (authentication, permission, transport, server
 * failures), and the mapping from an error response back to the engine's typed errors, so
 * that `assert.rejects(fn, CollectionNotFoundError)` holds for the embedded engine and for
 * the client alike.
 */

import { EmbeddingInputError, EmbeddingModelError } from '../embed/provider.js';
import {
  ClosedError,
  CollectionExistsError,
  CollectionNotFoundError,
  DimensionMismatchError,
  InvalidArgumentError,
  InvalidFilterError,
  InvalidIdError,
  InvalidVectorError,
  QuiverError,
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

/** The server failed (HTTP 5xx other than shutdown) or answered with something unexpected. */
export class ServerError extends QuiverError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, `server error ${status}: ${message}`);
  }
}

/** The typed error for an error response. */
export function errorFromResponse(status: number, body: unknown): QuiverError {
  const error = isErrorBody(body) ? body.error : { code: 'UNKNOWN', message: `HTTP ${status}` };
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
    default:
      return new ServerError(status, code, message);
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  const error = (body as ErrorBody | null)?.error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof error.code === 'string' &&
    typeof error.message === 'string'
  );
}

/** The name in a message like `collection 'images' does not exist`. */
function quotedName(message: string): string {
  return /^collection '(.*)' (?:does not exist|already exists)$/.exec(message)?.[1] ?? message;
}
