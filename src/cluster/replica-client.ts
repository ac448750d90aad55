/**
 * The calling side of node-to-node replica calls (`server/routes/replica.ts`): sends one call
 * to the node holding a replica. A node that cannot be reached, answers something else, or no
 * longer holds the replica rejects with `UnavailableError`, and the router tries the next
 * replica; any other error is the replica's own, with its code.
 */
import { UnavailableError } from '../errors.js';
import {
  decodeRpc,
  encodeRpc,
  REPLICA_CONTENT_TYPE,
  REPLICA_PATH,
  type ReplicaCall,
  type RpcError,
  remoteError,
} from '../wire/rpc-codec.js';

/** Sends `call` to the node at `url`; resolves with its result or rejects with its error. */
export async function replicaRequest(
  url: string,
  call: ReplicaCall,
  timeoutMs: number,
  apiKey?: string,
): Promise<unknown> {
  let text: string;
  try {
    const response = await fetch(`${url}${REPLICA_PATH}`, {
      method: 'POST',
      headers: { 'content-type': REPLICA_CONTENT_TYPE, ...(apiKey ? { 'api-key': apiKey } : {}) },
      body: encodeRpc(call),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
    if (!response.headers.get('content-type')?.startsWith(REPLICA_CONTENT_TYPE)) {
      throw new UnavailableError(
        'shard replica',
        `calling ${call.method} on node ${url}: HTTP ${response.status}`,
      );
    }
  } catch (err) {
    if (err instanceof UnavailableError) throw err;
    throw new UnavailableError('shard replica', `calling ${call.method} on another node`, 1, { cause: err });
  }
  const answer = decodeRpc(text) as { result?: unknown; error?: RpcError };
  if (answer.error) {
    if (answer.error.code === 'UNAVAILABLE' || answer.error.code === 'CLOSED') {
      throw new UnavailableError('shard replica', answer.error.message);
    }
    throw remoteError(answer.error);
  }
  return answer.result;
}
