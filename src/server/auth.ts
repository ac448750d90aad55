/**
 * API keys. An admin key may do everything; a read-only key may search, get, count, scroll
 * and read collection info, and nothing that changes data. A key arrives as
 * `Authorization: Bearer <key>` or `api-key: <key>`.
 *
 * Keys are compared as SHA-256 digests with `crypto.timingSafeEqual`: the digests have a
 * fixed length whatever the key's, and every configured key is compared on every request
 * (no early exit), so the time taken says nothing about how close a guess was.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** What a route needs: nothing, any valid key, or an admin key. */
export type Access = 'public' | 'read' | 'write';

export type Role = 'admin' | 'read-only';

export interface ApiKeyConfig {
  /** Keys that may do everything. */
  admin: readonly string[];
  /** Keys that may only read. */
  readOnly: readonly string[];
}

export type Decision = { allowed: true } | { allowed: false; status: 401 | 403; message: string };

export class ApiKeys {
  private readonly admin: Buffer[];
  private readonly readOnly: Buffer[];

  constructor(config: ApiKeyConfig) {
    this.admin = config.admin.map(digest);
    this.readOnly = config.readOnly.map(digest);
  }

  /** Whether any key is configured; without one every request is allowed. */
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

  /** Whether a request with these headers may use a route that needs `access`. */
  authorize(access: Access, headers: Record<string, string | string[] | undefined>): Decision {
    if (access === 'public' || !this.enabled) return { allowed: true };
    const key = presentedKey(headers);
    if (key === undefined) {
      return { allowed: false, status: 401, message: 'an API key is required (Authorization: Bearer <key>)' };
    }
    const role = this.roleOf(key);
    if (role === undefined) return { allowed: false, status: 401, message: 'the API key is not valid' };
    if (access === 'write' && role !== 'admin') {
      return { allowed: false, status: 403, message: 'this API key is read-only' };
    }
    return { allowed: true };
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
