/**
 * Node-to-node calls of cluster mode: `POST /cluster/v1/replica` runs one call on this
 * node's replica of a shard, for another node's router. The body and the answer are
 * `wire/rpc-codec.ts` JSON (`application/x-quiver-rpc`): `{ collectionId, shard, method, args,
 * minSeq }` → `{ result }` or `{ error: { code, message } }`. The route needs global manage access (an admin key) when
 * the server has keys (nodes call each other with one). The calling side is
 * `cluster/replica-client.ts`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { InvalidArgumentError } from '../../errors.js';
import {
  decodeRpc,
  encodeRpc,
  REPLICA_CONTENT_TYPE,
  REPLICA_PATH,
  type ReplicaCall,
  type RpcError,
  rpcError,
} from '../../wire/rpc-codec.js';

/** The fastify plugin of the route; `run` answers a call with this node's replica. */
export function replicaRoutes(run: (call: ReplicaCall) => Promise<unknown>) {
  const plugin: FastifyPluginAsyncTypebox = async (app) => {
    app.addContentTypeParser(REPLICA_CONTENT_TYPE, { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );
    app.post(
      REPLICA_PATH,
      { schema: { hide: true }, config: { access: 'manage', bare: true } },
      async (request, reply) => {
        let answer: { result: unknown } | { error: RpcError };
        try {
          const call = decodeRpc(String(request.body)) as ReplicaCall;
          if (typeof call !== 'object' || call === null || !Array.isArray(call.args)) {
            throw new InvalidArgumentError(
              'replica call: expected { collectionId, shard, method, args, minSeq }',
            );
          }
          answer = { result: await run(call) };
        } catch (err) {
          if (!(err instanceof Error && 'code' in err)) request.log.error({ err }, 'replica call failed');
          answer = { error: rpcError(err) };
        }
        return reply.type(REPLICA_CONTENT_TYPE).send(encodeRpc(answer));
      },
    );
  };
  return plugin as unknown as (app: FastifyInstance) => Promise<void>;
}
