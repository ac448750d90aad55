/** HS256 tokens for the JWT tests, signed with `jose`. */
import { SignJWT } from 'jose';

/** The JWT secret the test servers are given. */
export const JWT_SECRET = 'jwt-secret-0123456789-0123456789-abcdef';

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A token with `claims`, valid for an hour unless they give `exp`, signed with `secret` under `alg`. */
export function token(claims: Record<string, unknown>, secret = JWT_SECRET, alg = 'HS256'): Promise<string> {
  return new SignJWT({ exp: nowSeconds() + 3600, ...claims })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}
