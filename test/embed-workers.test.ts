/**
 * Providers on worker threads (`WorkerEmbedder`, the database's default through
 * `providerResolver`): the same vectors as in-process for `glove-100`, `hog` and
 * `mobilenet-v2` on two @stdlib photos (by path and by bytes), `onnx:` on a tiny model and
 * `face` detections on a face-api sample; errors that cross the thread boundary with their classes and input
 * positions; the queue bound (`OverloadedError` with a bound of 1); an event loop that keeps
 * turning while a worker embeds (counted in `setImmediate` callbacks, never in time); and
 * workers that end when their provider is disposed, their collection dropped or their
 * database closed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  createEmbedder,
  EmbeddingInputError,
  EmbeddingModelError,
  type EmbeddingProvider,
  providerResolver,
  resolveEmbedder,
  WorkerEmbedder,
} from '../src/embed/index.js';
import { InvalidArgumentError, OverloadedError, Quiver } from '../src/index.js';
import { STDLIB_PHOTOS } from './support/classical-photos.js';
import { tempDir } from './support/reference.js';
import { writeTinyOnnxModel } from './support/tiny-onnx-model.js';

const FACE_SAMPLE = join(
  dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
  'demo',
  'sample1.jpg',
);

const TEXTS = ['a red dress on a summer evening', 'the stock market fell sharply', 'king and queen'];

function maxAbsDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  a.forEach((v, i) => {
    assert.equal(v.length, b[i].length);
    for (let j = 0; j < v.length; j++) m = Math.max(m, Math.abs(v[j] - b[i][j]));
  });
  return m;
}

/** Runs `work` while a `setImmediate` loop counts its turns; resolves with the result and the count. */
async function countingTicks<T>(work: () => Promise<T>): Promise<{ result: T; ticks: number }> {
  let ticks = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    ticks++;
    setImmediate(spin);
  };
  const promise = work();
  setImmediate(spin);
  try {
    return { result: await promise, ticks };
  } finally {
    running = false;
  }
}

describe('providers on worker threads', () => {
  const disposeLater: EmbeddingProvider[] = [];
  after(async () => {
    for (const p of disposeLater) await p.dispose();
  });
  async function both(name: string): Promise<[WorkerEmbedder, EmbeddingProvider]> {
    const pair: [WorkerEmbedder, EmbeddingProvider] = [
      await WorkerEmbedder.create(name, {}, { workers: 1 }),
      await createEmbedder(name),
    ];
    disposeLater.push(...pair);
    return pair;
  }

  for (const name of ['hog', 'mobilenet-v2']) {
    test(`${name}: the same description and vectors as in-process, from paths and from bytes`, async () => {
      const [worker, local] = await both(name);
      assert.deepEqual(
        [worker.name, worker.kind, worker.dimension, worker.metric, worker.batchSize, worker.detect],
        [local.name, local.kind, local.dimension, local.metric, local.batchSize, undefined],
      );
      const bytes = new Uint8Array(await readFile(STDLIB_PHOTOS[6]));
      const inputs = [STDLIB_PHOTOS[0], bytes];
      const fromWorker = await worker.embed(inputs);
      assert.equal(maxAbsDiff(fromWorker, await local.embed(inputs)), 0);
      assert.equal(bytes.length > 0 && bytes[0], 0xff, "the caller's bytes are copied, not detached");
      assert.ok(
        fromWorker.every((v) => v.length === local.dimension && v.buffer.byteLength === v.byteLength),
      );
    });
  }

  test('glove-100: the same vectors as in-process', async () => {
    const [worker, local] = await both('glove-100');
    assert.equal(maxAbsDiff(await worker.embed(TEXTS), await local.embed(TEXTS)), 0);
  });

  test('onnx:<folder>: the same vectors as in-process (a tiny model written by the test)', async () => {
    const dir = tempDir('quiver-embed-workers-onnx-');
    try {
      const folder = join(dir.path, 'tiny-bert');
      writeTinyOnnxModel(folder, ['red', 'dress', 'blue', 'sky'], 8);
      const [worker, local] = await both(`onnx:${folder}`);
      assert.equal(worker.dimension, 8);
      const texts = ['red dress', 'blue sky', 'a red sky'];
      assert.equal(maxAbsDiff(await worker.embed(texts), await local.embed(texts)), 0);
    } finally {
      dir.cleanup();
    }
  });

  test('face: detect and embed give what they give in-process (to 1e-6)', async () => {
    const [worker, local] = await both('face');
    assert.equal(typeof worker.detect, 'function');
    const [fromWorker] = await worker.detect!([FACE_SAMPLE]);
    const [fromLocal] = await local.detect!([FACE_SAMPLE]);
    assert.ok(fromLocal.length >= 1, 'sample1.jpg has faces');
    assert.equal(fromWorker.length, fromLocal.length);
    fromWorker.forEach((d, i) => {
      assert.deepEqual(d.box, fromLocal[i].box);
      assert.ok(Math.abs(d.score - fromLocal[i].score) <= 1e-6);
    });
    assert.ok(
      maxAbsDiff(
        fromWorker.map((d) => d.vector),
        fromLocal.map((d) => d.vector),
      ) <= 1e-6,
    );
    assert.ok(maxAbsDiff(await worker.embed([FACE_SAMPLE]), await local.embed([FACE_SAMPLE])) <= 1e-6);
  });

  test('errors cross with their classes and the position of the bad input', async () => {
    const hog = await WorkerEmbedder.create('hog');
    disposeLater.push(hog);
    await assert.rejects(
      hog.embed([STDLIB_PHOTOS[0], STDLIB_PHOTOS[1], '/no/such/photo.jpg']),
      (e: unknown) =>
        e instanceof EmbeddingInputError && e.index === 2 && e.message.includes('/no/such/photo.jpg'),
    );
    await assert.rejects(
      hog.embed([new Uint8Array([1, 2, 3])]),
      (e: unknown) => e instanceof EmbeddingInputError && e.index === 0,
    );
    const glove = await WorkerEmbedder.create('glove-100');
    disposeLater.push(glove);
    await assert.rejects(
      glove.embed(['fine words', 'more words', '   ']),
      (e: unknown) => e instanceof EmbeddingInputError && e.index === 2 && e.code === 'EMBEDDING_INPUT',
    );
    await assert.rejects(WorkerEmbedder.create('hog', { cellSize: 8 }), InvalidArgumentError);
    await assert.rejects(WorkerEmbedder.create('hog', {}, { workers: 0 }), InvalidArgumentError);
    await assert.rejects(
      (async () => {
        const orb = await WorkerEmbedder.create('orb-bovw', { vocabulary: '/no/such/vocabulary.qvoc' });
        disposeLater.push(orb);
        await orb.embed([STDLIB_PHOTOS[0]]);
      })(),
      EmbeddingModelError,
    );
    // The provider still works after its errors.
    assert.equal((await hog.embed([STDLIB_PHOTOS[2]])).length, 1);
  });

  test('a call beyond the queue bound is refused with OverloadedError; the bound frees as calls finish', async () => {
    const hog = await WorkerEmbedder.create('hog', {}, { workers: 1, queueLimit: 1, retryAfterSeconds: 2 });
    disposeLater.push(hog);
    const first = hog.embed(STDLIB_PHOTOS.slice(0, 4));
    assert.equal(hog.pending, 1);
    await assert.rejects(
      hog.embed([STDLIB_PHOTOS[0]]),
      (e: unknown) => e instanceof OverloadedError && e.retryAfterSeconds === 2 && e.code === 'OVERLOADED',
    );
    assert.equal((await first).length, 4);
    assert.equal(hog.pending, 0);
    assert.equal((await hog.embed([STDLIB_PHOTOS[0]])).length, 1);
  });

  test('more workers start only while the running ones are busy, up to the limit', async () => {
    const hog = await WorkerEmbedder.create('hog', {}, { workers: 2 });
    disposeLater.push(hog);
    assert.equal(hog.running, 1);
    await hog.embed([STDLIB_PHOTOS[0]]);
    assert.equal(hog.running, 1, 'sequential calls reuse the idle worker');
    const calls = [0, 1, 2].map((i) => hog.embed([STDLIB_PHOTOS[i]]));
    assert.equal(hog.running, 2);
    const vectors = await Promise.all(calls);
    const local = await createEmbedder('hog');
    assert.equal(maxAbsDiff(vectors.flat(), await local.embed(STDLIB_PHOTOS.slice(0, 3))), 0);
  });

  test('the event loop keeps turning while the default provider embeds (setImmediate callbacks run)', async () => {
    // In-process, a warm glove-100 embeds synchronously: no callback could run until it returned.
    const glove = await resolveEmbedder('glove-100', {});
    disposeLater.push(glove);
    assert.ok(glove instanceof WorkerEmbedder);
    await glove.embed(['warm up']);
    const texts = Array.from({ length: 20_000 }, (_, i) => `${TEXTS[i % TEXTS.length]} number ${i}`);
    const { result, ticks } = await countingTicks(() => glove.embed(texts));
    assert.equal(result.length, texts.length);
    assert.ok(ticks > 0, `setImmediate callbacks while embedding: ${ticks}`);

    const mobilenet = await resolveEmbedder('mobilenet-v2', {});
    disposeLater.push(mobilenet);
    const images = await countingTicks(() => mobilenet.embed(STDLIB_PHOTOS.slice(0, 3)));
    assert.equal(images.result.length, 3);
    assert.ok(images.ticks > 0, `setImmediate callbacks while embedding images: ${images.ticks}`);
  });

  test('worker threads run at the niceness asked for (Linux: a nice value per thread)', {
    skip: process.platform !== 'linux',
  }, async () => {
    const niceThreads = (nice: number) =>
      readdirSync('/proc/self/task').filter((task) => {
        const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
        // Fields after the command name: state is field 3, nice field 19.
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) === nice;
      }).length;
    const before = niceThreads(13);
    const hog = await WorkerEmbedder.create('hog', {}, { niceness: 13 });
    disposeLater.push(hog);
    assert.equal(niceThreads(13), before + 1);
    const plain = await WorkerEmbedder.create('hog', {}, { niceness: 0 });
    disposeLater.push(plain);
    assert.equal(niceThreads(13), before + 1);
    assert.equal((await hog.embed([STDLIB_PHOTOS[0]])).length, 1);
  });

  test('dispose ends the workers after their calls in flight; the provider starts one again when used', async () => {
    const hog = await WorkerEmbedder.create('hog', {}, { workers: 1 });
    const inFlight = hog.embed(STDLIB_PHOTOS.slice(0, 2));
    await hog.dispose();
    assert.equal(hog.running, 0);
    assert.equal((await inFlight).length, 2, 'a call in flight at dispose still answers');
    assert.equal((await hog.embed([STDLIB_PHOTOS[0]])).length, 1);
    assert.equal(hog.running, 1);
    await hog.dispose();
    assert.equal(hog.running, 0);
  });

  test('providerResolver: workers by default, on the calling thread for inProcess and openai:', async () => {
    const hog = await providerResolver()('hog', {});
    assert.ok(hog instanceof WorkerEmbedder);
    await hog.dispose();
    const local = await providerResolver({ inProcess: true })('hog', {});
    assert.ok(!(local instanceof WorkerEmbedder));
    const remote = await resolveEmbedder('openai:http://127.0.0.1:9/v1', { dimension: 8 });
    assert.ok(!(remote instanceof WorkerEmbedder));
    await assert.rejects(resolveEmbedder('no-such-model', {}), InvalidArgumentError);
  });

  test("a database's provider workers end when the collection is dropped and when the database closes", async () => {
    const dir = tempDir('quiver-embed-workers-');
    const created: WorkerEmbedder[] = [];
    const resolver = providerResolver({ workers: 1 });
    const db = await Quiver.open(dir.path, {
      embedders: async (name, options) => {
        const p = await resolver(name, options);
        if (p instanceof WorkerEmbedder) created.push(p);
        return p;
      },
    });
    try {
      const a = await db.createCollection('a', { vectors: { text: { provider: 'glove-100' } } });
      const b = await db.createCollection('b', { vectors: { image: { provider: 'hog' } } });
      assert.ok(
        created.every((p) => p.running === 0),
        'providers made to learn a dimension are disposed',
      );
      await a.upsert([{ id: 1, text: 'a red dress' }]);
      await b.upsert([{ id: 1, image: STDLIB_PHOTOS[0] }]);
      const [best] = await b.search({ image: STDLIB_PHOTOS[0] }, { k: 1 });
      assert.equal(best.id, 1);
      assert.equal(created.filter((p) => p.running > 0).length, 2);
      await db.dropCollection('a');
      assert.deepEqual(
        created.filter((p) => p.running > 0).map((p) => p.name),
        ['hog'],
      );
    } finally {
      await db.close();
      dir.cleanup();
    }
    assert.ok(
      created.every((p) => p.running === 0),
      'close disposes every provider',
    );
  });
});
