/**
 * The two ways a request is refused before it runs, as typed errors in Qdrant's envelope:
 * 401 `UNAUTHORIZED` when no credential is given or the one given is not valid (unknown
 * key; a token that is malformed, forged, expired, signed with another algorithm, or whose
 * claims do not parse), and 403 `FORBIDDEN` when a valid credential may not do this (a
 * read-only key or token writing, a token for other collections, a write under a tenant
 * filter claim).
 */
import { QuiverError } from '../errors.js';

/** No valid credential (HTTP 401). */
export class UnauthorizedError extends QuiverError {
  constructor(message: string) {
    super('UNAUTHORIZED', message);
  }
}

/** A valid credential that may not do what the request asks (HTTP 403). */
export class ForbiddenError extends QuiverError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}
