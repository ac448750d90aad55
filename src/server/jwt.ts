/**
 * JWT bearer tokens with Qdrant's claims (its RBAC), verified with `jose`.
 *
 * A token is accepted when it is a compact JWS signed with HS256 under one of the configured
 * secrets (`jwtSecret`; without one, the admin API keys, as Qdrant signs with its API key),
 * has an `exp` claim, and has not expired (30 s of clock skew allowed, as Qdrant). Any other
 * algorithm (`none` included: `jose` never accepts an unsecured token) is refused; so is a
 * token without `exp` (never-expiring tokens cannot be revoked). Claims:
 * - `access`: `"r"` (read everything), `"m"` (manage everything), or a list of
 *   `{ collection, access: "r" | "rw", payload? }`; absent, full access (Qdrant's default:
 *   only a holder of the secret can sign). A collection appears at most once.
 * - `payload`: the tenant filter of a collection: Qdrant's `{ "<key>": <value>, … }` (each
 *   key matches its value exactly; strings, integers, booleans), or (Quiver) a whole filter
 *   `{ must?, should?, must_not?, min_should? }` in the filter language. It makes the grant
 *   read-only (see `auth-grant.ts`).
 * - `value_exists: { collection, matches: [{ key, value }] }`: the token holds only while
 *   some point of that collection matches every pair (Qdrant's revocable tokens).
 * Claims that do not parse make the token invalid (401), never wider.
 */
import { errors, jwtVerify } from 'jose';
import type { Filter } from '../payload/filter.js';
import { parseFilter } from '../payload/filter.js';
import { UnauthorizedError } from './auth-errors.js';
import { type CollectionGrant, type Grant, MANAGE_ALL, READ_ALL } from './auth-grant.js';

/** Clock skew allowed on `exp` (and `nbf`), in seconds, as Qdrant. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** A verified token: its grant, and the condition it holds under (`value_exists`). */
export interface VerifiedToken {
  grant: Grant;
  valueExists?: { collection: string; filter: Filter };
}

/** Whether a bearer value has the shape of a compact JWS (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

export class JwtVerifier {
  private readonly secrets: Uint8Array[];

  /** `secrets`: the HS256 secrets a token may be signed with (at least one, none empty). */
  constructor(secrets: readonly string[]) {
    this.secrets = secrets.filter((s) => s.length > 0).map((s) => new TextEncoder().encode(s));
  }

  get enabled(): boolean {
    return this.secrets.length > 0;
  }

  /** The token's grant; `UnauthorizedError` saying why when it is not valid. */
  async verify(token: string): Promise<VerifiedToken> {
    let payload: Record<string, unknown> | undefined;
    let failure: unknown;
    for (const secret of this.secrets) {
      try {
        ({ payload } = await jwtVerify(token, secret, {
          algorithms: ['HS256'],
          requiredClaims: ['exp'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        }));
        break;
      } catch (error) {
        failure = error;
        // Another secret may have signed it; any other failure is the token's own.
        if (!(error instanceof errors.JWSSignatureVerificationFailed)) break;
      }
    }
    if (payload === undefined) throw new UnauthorizedError(`the token is not valid: ${reason(failure)}`);
    return claimsOf(payload);
  }
}

function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'it is not signed with HS256';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim}: ${error.reason}`;
  if (error instanceof errors.JOSEError) return 'it is not a well-formed HS256 JWT';
  throw error;
}

function invalid(message: string): never {
  throw new UnauthorizedError(`the token's claims are not valid: ${message}`);
}

/** The grant of verified claims (Qdrant's shape, see the module comment). */
export function claimsOf(claims: Record<string, unknown>): VerifiedToken {
  const verified: VerifiedToken = { grant: grantOf(claims.access) };
  if (claims.value_exists !== undefined && claims.value_exists !== null) {
    verified.valueExists = valueExistsOf(claims.value_exists);
  }
  return verified;
}

function grantOf(access: unknown): Grant {
  if (access === undefined || access === 'm') return MANAGE_ALL;
  if (access === 'r') return READ_ALL;
  if (!Array.isArray(access)) invalid('access: expected "r", "m" or a list of { collection, access }');
  const collections = new Map<string, CollectionGrant>();
  access.forEach((entry: unknown, i) => {
    const where = `access[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      invalid(`${where}: expected an object`);
    const { collection, access: mode, payload, ...rest } = entry as Record<string, unknown>;
    const unknownKeys = Object.keys(rest);
    if (unknownKeys.length > 0) invalid(`${where}: unknown field ${unknownKeys[0]}`);
    if (typeof collection !== 'string' || collection.length === 0)
      invalid(`${where}.collection: expected a name`);
    if (collections.has(collection)) invalid(`${where}.collection: '${collection}' appears twice`);
    if (mode !== 'r' && mode !== 'rw') invalid(`${where}.access: expected "r" or "rw"`);
    const grant: CollectionGrant = { write: mode === 'rw' };
    if (payload !== undefined && payload !== null) grant.tenant = tenantFilter(payload, `${where}.payload`);
    collections.set(collection, grant);
  });
  return { kind: 'collections', collections };
}

const GROUP_KEYS = new Set(['must', 'should', 'must_not', 'min_should']);

/** A tenant filter from a `payload` claim: key → value pairs, or a whole filter. */
function tenantFilter(payload: unknown, where: string): Filter {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    invalid(`${where}: expected an object`);
  }
  const keys = Object.keys(payload);
  const input =
    keys.length > 0 && keys.every((k) => GROUP_KEYS.has(k)) ? payload : { must: matchesOf(payload, where) };
  try {
    return parseFilter(input);
  } catch (error) {
    if (error instanceof UnauthorizedError) throw error;
    invalid(`${where}: ${(error as Error).message}`);
  }
}

function matchesOf(pairs: object, where: string): unknown[] {
  return Object.entries(pairs).map(([key, value]) => {
    if (typeof value !== 'string' && typeof value !== 'boolean' && !Number.isSafeInteger(value)) {
      invalid(`${where}.${key}: expected a string, an integer or a boolean`);
    }
    return { key, match: { value } };
  });
}

function valueExistsOf(claim: unknown): { collection: string; filter: Filter } {
  const { collection, matches } = (typeof claim === 'object' && claim !== null ? claim : {}) as Record<
    string,
    unknown
  >;
  if (typeof collection !== 'string' || !Array.isArray(matches) || matches.length === 0) {
    invalid('value_exists: expected { collection, matches: [{ key, value }, …] }');
  }
  const pairs: Record<string, unknown> = {};
  for (const m of matches as unknown[]) {
    const { key, value } = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
    if (typeof key !== 'string' || key.length === 0) invalid('value_exists.matches: each needs a key');
    pairs[key] = value;
  }
  try {
    return { collection, filter: parseFilter({ must: matchesOf(pairs, 'value_exists.matches') }) };
  } catch (error) {
    if (error instanceof UnauthorizedError) throw error;
    invalid(`value_exists: ${(error as Error).message}`);
  }
}
