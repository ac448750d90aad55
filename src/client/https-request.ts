/**
 * HTTPS requests with a choice of trusted CAs. Node's built-in `fetch` takes no CA option
 * (that needs an undici `Agent`, which is not a dependency), so an `https:` server is spoken
 * to with `node:https`: one keep-alive `Agent` per transport, certificates always verified
 * (against `ca` when given, else Node's bundled roots), answers buffered into a standard
 * `Response` so the transport reads both kinds of answer the same way.
 */
import { Agent, request } from 'node:https';

export type CaOption = string | Buffer | readonly (string | Buffer)[];

export class HttpsRequester {
  private readonly agent: Agent;

  constructor(ca: CaOption | undefined) {
    this.agent = new Agent({
      keepAlive: true,
      ...(ca === undefined ? {} : { ca: Array.isArray(ca) ? [...ca] : (ca as string | Buffer) }),
    });
  }

  /** Closes the agent's connections; later requests open new ones. */
  close(): void {
    this.agent.destroy();
  }

  /** Sends one request; rejects with the socket's error (its `code` says why: see `http.ts`). */
  send(
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
  ): Promise<Response> {
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method: init.method,
        headers: init.headers,
        agent: this.agent,
        signal: init.signal,
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value === undefined) continue;
            for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
          }
          const status = res.statusCode ?? 0;
          const empty = status === 204 || status === 304;
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers }));
        });
      });
      req.end(init.body);
    });
  }
}
