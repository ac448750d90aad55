/**
 * Credentials: API keys and JWT bearer tokens. An admin key may do everything; a read-only
 * key may search, get, count, scroll and read collection info, and nothing that changes
 * data; a token may do what its claims grant (see `jwt.ts`, `auth-grant.ts`). A credential
 * arrives as `Authorization: Bearer <key or token>` or `api-key: <key or token>`.
 *
 * Keys are compared as SHA-256 digests with `crypto.timingSafeEqual`: the digests have a
 * fixed length whatever the key's, and every configured key is compared on every request
 * (no early exit), so the time taken says nothing about how close a guess was. A value that
 * matches no key and has the shape of a JWT is verified as a token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Filter } from '../payload/filter.js';
import { UnauthorizedError } from './auth-errors.js';
import { type Grant, MANAGE_ALL, READ_ALL } from './auth-grant.js';
import { JwtVerifier, looksLikeJwt } from './jwt.js';

export type { Access } from './auth-grant.js';

export type Role = 'admin' | 'read-only';

export interface ApiKeyConfig {
  /** Keys that may do everything. */
  admin: readonly string[];
  /** Keys that may only read. */
  readOnly: readonly string[];
  /**
   * The HS256 secret of JWT bearer tokens. Default: the admin keys (a token signed with any
   * of them is accepted, as Qdrant signs with its API key); no tokens without either.
   */
  jwtSecret?: string;
}

export class ApiKeys {
  private readonly admin: Buffer[];
  private readonly readOnly: Buffer[];

  constructor(config: ApiKeyConfig) {
    this.admin = config.admin.map(digest);
    this.readOnly = config.readOnly.map(digest);
  }

  /** Whether any key is configured. */
  get enabled(): boolean {
    return this.admin.length + this.readOnly.length > 0;
  }

  /** The role of a presented key, or undefined if it matches none. */
  roleOf(key: string): Role | undefined {
    const presented = digest(key);
    let admin = false;
    let readOnly = false;
    for (const d of this.admin) admin = timingSafeEqual(d, presented) || admin;
    for (const d of this.readOnly) readOnly = timingSafeEqual(d, presented) || readOnly;
    return admin ? 'admin' : readOnly ? 'read-only' : undefined;
  }
}

/** Whether some point of `collection` matches `filter` (a token's `value_exists` condition). */
export type ValueExists = (collection: string, filter: Filter) => Promise<boolean>;

/** Turns a request's credential into its grant. */
export class Authenticator {
  /** The API keys alone (the web console's session route asks a key's role). */
  readonly keys: ApiKeys;
  private readonly tokens: JwtVerifier;

  constructor(
    config: ApiKeyConfig,
    private readonly valueExists: ValueExists,
  ) {
    this.keys = new ApiKeys(config);
    this.tokens = new JwtVerifier(config.jwtSecret !== undefined ? [config.jwtSecret] : config.admin);
  }

  /** Whether any credential is configured; without one every request may do everything. */
  get enabled(): boolean {
    return this.keys.enabled || this.tokens.enabled;
  }

  /**
   * The grant of the credential in `headers` (a promise when it is a token, which verifies
   * asynchronously); `UnauthorizedError` when there is none or it is not valid.
   */
  grantOf(headers: Record<string, string | string[] | undefined>): Grant | Promise<Grant> {
    if (!this.enabled) return MANAGE_ALL;
    const key = presentedKey(headers);
    if (key === undefined) {
      throw new UnauthorizedError('an API key or token is required (Authorization: Bearer <key>)');
    }
    const role = this.keys.roleOf(key);
    if (role !== undefined) return role === 'admin' ? MANAGE_ALL : READ_ALL;
    if (this.tokens.enabled && looksLikeJwt(key)) return this.tokenGrant(key);
    throw new UnauthorizedError('the API key is not valid');
  }

  private async tokenGrant(token: string): Promise<Grant> {
    const { grant, valueExists } = await this.tokens.verify(token);
    if (valueExists !== undefined && !(await this.valueExists(valueExists.collection, valueExists.filter))) {
      throw new UnauthorizedError('the token is no longer valid: its value_exists condition does not hold');
    }
    return grant;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The key a request presents (`Authorization: Bearer <key>` or `api-key`), if any. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1];
  }
  const apiKey = headers['api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return (
    h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1'
  );
}
