/**
 * The signed-in session: the API key and its role. The key lives in `sessionStorage` only
 * (this tab, until it closes; never `localStorage`, never a cookie), so closing the tab signs
 * out. The role comes from `GET /console/session` (see src/server/console-route.ts).
 */
import { ApiError, QuiverApi } from '../api/client.js';
import type { Role } from '../api/types.js';

const KEY_ITEM = 'quiver.console.key';

export interface SignedIn {
  api: QuiverApi;
  role: Role;
  /** Whether the server checks keys at all. */
  keys: boolean;
}

/** The key this tab signed in with, if any. */
export function storedKey(): string | undefined {
  return sessionStorage.getItem(KEY_ITEM) ?? undefined;
}

/**
 * Checks `key` against the server (the empty key works when the server has no keys) and
 * remembers it for the tab. Throws `ApiError` (401) for a key the server refuses, and for
 * an empty key when the server has keys.
 */
export async function signIn(key: string): Promise<SignedIn> {
  const api = new QuiverApi(location.origin, key);
  const session = await api.session();
  if (session.role === undefined) throw new ApiError(401, 'UNAUTHORIZED', 'this server needs an API key');
  sessionStorage.setItem(KEY_ITEM, key);
  return { api, role: session.role, keys: session.keys };
}

/** Signs in without a key when the server has none; undefined when it has keys. */
export async function signInWithoutKey(): Promise<SignedIn | undefined> {
  const session = await new QuiverApi(location.origin, '').session();
  return session.keys ? undefined : signIn('');
}

/** Forgets the key. */
export function signOut(): void {
  sessionStorage.removeItem(KEY_ITEM);
}

/** Whether an error means the key is no longer accepted (the page should sign out). */
export function isUnauthorized(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}
