/**
 * `openai:<url>` against a local OpenAI-compatible server the test runs (node:http on
 * 127.0.0.1, random port). The server answers `POST /v1/embeddings` with deterministic vectors
 * (a function of each text, listed in reverse order so that `index` must be honoured, as float
 * lists or base64), records every request, and can be told to answer the next request with an
 * error, a broken body or not at all. Checks: the request's path, headers and body; batching;
 * order; normalization; the dimension probe; and that every failure is an EmbeddingModelError
 * with the status and the server's message but without the API key.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createEmbedder } from '../src/embed/index.js';
import { type EmbedderOptions, EmbeddingInputError, EmbeddingModelError } from '../src/embed/provider.js';
import { InvalidArgumentError } from '../src/errors.js';

const DIMENSION = 6;
const KEY = 'sk-test-secret-123';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: { model: string; input: string[]; encoding_format?: string; dimensions?: number };
}

/** What the server does with the next request instead of answering normally. */
type Override =
  | { status: number; body: string }
  | { hang: true }
  | { rewrite: (data: { index: number; embedding: number[] }[]) => unknown[] };

/** The server's (unnormalized) vector for `text`: a deterministic function of its characters. */
function serverVector(text: string, dimension: number): number[] {
  let h = 17;
  for (const ch of text) h = (h * 31 + ch.codePointAt(0)!) % 1_000_003;
  return Array.from({ length: dimension }, (_, i) => Math.sin(h * (i + 1)) * 3);
}

function unit(v: number[]): Float32Array {
  const len = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / len);
}

function assertClose(got: Float32Array, want: Float32Array): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-6, `component ${i}`);
}

describe('openai:<url> against a local OpenAI-compatible server', () => {
  const requests: Recorded[] = [];
  let next: Override | undefined;
  let server: Server;
  let url: string;

  before(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        raw += chunk;
      });
      req.on('end', () => {
        const body = JSON.parse(raw) as Recorded['body'];
        requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const override = next;
        next = undefined;
        if (override !== undefined && 'hang' in override) return; // never answers
        if (override !== undefined && 'status' in override) {
          res.writeHead(override.status, { 'content-type': 'application/json' }).end(override.body);
          return;
        }
        let data = body.input.map((text, index) => ({
          index,
          embedding: serverVector(text, body.dimensions ?? DIMENSION),
        }));
        if (override !== undefined) data = override.rewrite(data) as typeof data;
        const encoded = data.reverse().map(({ index, embedding }) => ({
          object: 'embedding',
          index,
          embedding:
            body.encoding_format === 'base64'
              ? Buffer.from(Float32Array.from(embedding).buffer).toString('base64')
              : embedding,
        }));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ object: 'list', data: encoded, model: body.model, usage: { prompt_tokens: 1 } }),
        );
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });
  beforeEach(() => {
    requests.length = 0;
    next = undefined;
  });

  test('creation probes the dimension with one request: POST /v1/embeddings, JSON, Bearer key', async () => {
    const e = await createEmbedder(`openai:${url}`, { model: 'tiny-embed', apiKey: KEY });
    assert.equal(e.name, `openai:${url}`);
    assert.equal(e.kind, 'text');
    assert.equal(e.metric, 'cosine');
    assert.equal(e.dimension, DIMENSION);
    assert.equal(e.batchSize, 64);
    assert.equal(requests.length, 1);
    const [probe] = requests;
    assert.equal(probe.method, 'POST');
    assert.equal(probe.url, '/v1/embeddings');
    assert.equal(probe.headers.authorization, `Bearer ${KEY}`);
    assert.match(probe.headers['content-type'] ?? '', /^application\/json/);
    assert.deepEqual(probe.body, {
      model: 'tiny-embed',
      input: ['dimension probe'],
      encoding_format: 'float',
    });
  });

  test('embeds in batches of batchSize, in input order, as unit vectors (5 texts, batches of 2)', async () => {
    const texts = ['a red dress', 'blue jeans', 'green hat', 'a red dress', 'white shoes'];
    const e = await createEmbedder(`openai:${url}/`, { dimension: DIMENSION, batchSize: 2 });
    assert.equal(requests.length, 0, 'no probe when the dimension is given');
    const vectors = await e.embed(texts);
    assert.deepEqual(
      requests.map((r) => r.body.input),
      [texts.slice(0, 2), texts.slice(2, 4), texts.slice(4)],
    );
    assert.equal(requests[0].body.model, 'text-embedding-3-small', 'the default model');
    texts.forEach((text, i) => {
      assertClose(vectors[i], unit(serverVector(text, DIMENSION)));
    });
    assert.deepEqual(vectors[3], vectors[0]);
    assert.deepEqual(await e.embed([]), []);
  });

  test('dimensions is sent to the server and sets the dimension; base64 answers decode alike', async () => {
    const e = await createEmbedder(`openai:${url}`, { dimensions: 4, encodingFormat: 'base64' });
    assert.equal(e.dimension, 4);
    assert.equal(requests.length, 0);
    const [v] = await e.embed(['short vectors']);
    assert.equal(requests[0].body.dimensions, 4);
    assert.equal(requests[0].body.encoding_format, 'base64');
    assertClose(v, unit(serverVector('short vectors', 4)));
  });

  test('the key comes from OPENAI_API_KEY when no apiKey option is given; none, no header', async () => {
    const saved = process.env.OPENAI_API_KEY;
    try {
      process.env.OPENAI_API_KEY = 'sk-from-env';
      const e = await createEmbedder(`openai:${url}`, { dimension: DIMENSION });
      await e.embed(['x']);
      delete process.env.OPENAI_API_KEY;
      await e.embed(['x']);
      assert.equal(requests[0].headers.authorization, 'Bearer sk-from-env');
      assert.equal(requests[1].headers.authorization, undefined);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });

  describe('failures are EmbeddingModelError with the status and message, never the key', () => {
    const failing = async (override: Override, pattern: RegExp, options = {}) => {
      const e = await createEmbedder(`openai:${url}`, { dimension: DIMENSION, apiKey: KEY, ...options });
      next = override;
      await assert.rejects(e.embed(['one', 'two', 'three']), (err) => {
        assert.ok(err instanceof EmbeddingModelError, String(err));
        assert.match(err.message, pattern);
        assert.ok(!err.message.includes(KEY), 'the key is not in the message');
        return true;
      });
    };

    test('HTTP 401 with an OpenAI error body', () =>
      failing(
        {
          status: 401,
          body: JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'auth' } }),
        },
        /HTTP 401 Unauthorized: Incorrect API key provided/,
      ));

    test('HTTP 500 with a plain-text body', () =>
      failing(
        { status: 500, body: 'upstream exploded' },
        /HTTP 500 Internal Server Error: upstream exploded/,
      ));

    test('no answer within timeoutMs (100 ms)', () =>
      failing({ hang: true }, /no answer within 100 ms/, { timeoutMs: 100 }));

    test('a 200 answer that is not JSON', () => failing({ status: 200, body: '<html>' }, /not JSON: <html>/));

    test('too few embeddings', () => failing({ rewrite: (d) => d.slice(1) }, /2 embeddings for 3 inputs/));

    test('a repeated index', () =>
      failing({ rewrite: (d) => d.map((x) => ({ ...x, index: 0 })) }, /index 0 appears twice/));

    test('the wrong dimension', () =>
      failing(
        { rewrite: (d) => d.map((x) => ({ ...x, embedding: x.embedding.slice(1) })) },
        /has 5 components, expected 6/,
      ));

    test('a zero vector', () =>
      failing(
        { rewrite: (d) => d.map((x) => ({ ...x, embedding: x.embedding.map(() => 0) })) },
        /zero or not finite/,
      ));

    test('an unreachable endpoint fails at creation (the probe)', async () => {
      const closed = createServer();
      await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((done) => closed.close(done));
      await assert.rejects(
        createEmbedder(`openai:http://127.0.0.1:${port}/v1`),
        (e) => e instanceof EmbeddingModelError && /ECONNREFUSED/.test(e.message),
      );
    });
  });

  test('bad inputs fail with EmbeddingInputError before any request', async () => {
    const e = await createEmbedder(`openai:${url}`, { dimension: DIMENSION });
    for (const input of ['', ' ', 3, null]) {
      await assert.rejects(e.embed(['fine', input as string]), (err) => {
        assert.ok(err instanceof EmbeddingInputError);
        assert.equal(err.index, 1);
        return true;
      });
    }
    assert.equal(requests.length, 0);
  });

  test('bad names and options are InvalidArgumentError', async () => {
    for (const name of ['openai:', 'openai:not a url', 'openai:ftp://127.0.0.1/v1']) {
      await assert.rejects(createEmbedder(name, { dimension: 3 }), InvalidArgumentError, name);
    }
    const bad: EmbedderOptions[] = [
      { batchSize: 0 },
      { batchSize: 5000 },
      { model: 3 },
      { dimension: 3, dimensions: 4 },
      { key: 'x' },
    ];
    for (const options of bad) {
      await assert.rejects(
        createEmbedder(`openai:${url}`, { dimension: 3, ...options }),
        InvalidArgumentError,
      );
    }
    assert.equal(requests.length, 0);
  });
});
