/**
 * The `onRequest` hook that admits or refuses each request before its body is read (so an
 * unauthenticated client cannot make the server parse megabytes): the credential becomes
 * the request's grant (`request.grant`, which `pathCollection` consults for a tenant filter)
 * and the grant is checked against the route's declared access and the collection in its
 * path. Refusals leave in the one error shape: 401 `UNAUTHORIZED` (with
 * `WWW-Authenticate: Bearer`) or 403 `FORBIDDEN`. An unknown path answers 404 to any valid
 * credential.
 *
 * It takes `done` rather than being async: it runs on every request, and a promise per
 * request is measurable under load; only a JWT (verified asynchronously) makes one.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Access, Authenticator } from './auth.js';
import { checkAccess, type Grant } from './auth-grant.js';
import { toErrorResponse } from './errors.js';

export function accessHook(auth: Authenticator, bodyBytes: number) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const access: Access = request.routeOptions.config.access ?? 'read';
    if (access === 'public') {
      done();
      return;
    }
    const refuse = (error: unknown) => {
      const { status, body } = toErrorResponse(error, undefined, bodyBytes);
      if (status === 401) reply.header('www-authenticate', 'Bearer');
      body.time = reply.elapsedTime / 1000;
      reply.code(status).send(body);
    };
    const admit = (grant: Grant) => {
      if (!request.is404) {
        const name = (request.params as { name?: unknown } | undefined)?.name;
        try {
          checkAccess(
            grant,
            access,
            typeof name === 'string' ? name : undefined,
            'this API key or token is read-only',
          );
        } catch (error) {
          return refuse(error);
        }
      }
      request.grant = grant;
      done();
    };
    let grant: Grant | Promise<Grant>;
    try {
      grant = auth.grantOf(request.headers);
    } catch (error) {
      refuse(error);
      return;
    }
    if (grant instanceof Promise) grant.then(admit, refuse);
    else admit(grant);
  };
}
