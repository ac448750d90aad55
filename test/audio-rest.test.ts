/**
 * Audio fields over a real HTTP server, as image fields travel: a collection created with
 * `{ provider: 'audio-mfcc' }`, WAV files uploaded as base64 `inputs` on upsert and search,
 * and through `quiverdb/client`, which reads local WAV paths and sends their bytes. A search
 * by a sound finds that sound first (cosine ≥ 0.999); a string that is not base64 is a 400
 * (never read as a path), bytes that are not WAV are `EMBEDDING_INPUT` (the client rethrows
 * `EmbeddingInputError`), and an audio field refuses `storeInput: 'thumbnail'`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from '../src/client/index.js';
import { EmbeddingInputError } from '../src/embed/provider.js';
import '../src/index.js';
import { assertError, http, resultOf, startTestServer, type TestServer } from './support/server.js';
import { SOUNDS, wavBytes } from './support/wav-signals.js';

/** Cosine similarity at or above which a search by a sound counts as finding that very sound. */
const SAME_SOUND = 0.999;

describe('REST API: audio fields (audio-mfcc)', () => {
  let s: TestServer;
  const call = (method: string, path: string, body?: unknown) => http(s.url, method, path, body);
  const wavs: Record<string, Buffer> = {};

  before(async () => {
    s = await startTestServer();
    wavs.rising = await wavBytes(SOUNDS.rising, { bitDepth: '16', rate: 22050 });
    wavs.falling = await wavBytes(SOUNDS.falling, { bitDepth: '16', rate: 44100, channels: 2 });
    wavs.hiss = await wavBytes(SOUNDS.hiss, { bitDepth: '32f', rate: 16000 });
  });
  after(async () => {
    await s.stop();
  });

  test('PUT /collections/{name} with an audio provider; inputs as base64 WAV on upsert and search', async () => {
    const created = await call('PUT', '/collections/sounds', {
      vectors: { audio: { provider: 'audio-mfcc', index: { type: 'flat' } } },
    });
    assert.equal(resultOf(created), true);
    const info = resultOf<{ quiver: { vectors: Record<string, { dimension: number; provider?: string }> } }>(
      await call('GET', '/collections/sounds'),
    );
    assert.deepEqual(info.quiver.vectors.audio.provider, 'audio-mfcc');
    assert.equal(info.quiver.vectors.audio.dimension, 60);
    const names = Object.keys(wavs);
    const upserted = await call('PUT', '/collections/sounds/points', {
      points: names.map((name, i) => ({
        id: i,
        inputs: { audio: wavs[name].toString('base64') },
        payload: { name },
      })),
    });
    assert.equal(upserted.status, 200, JSON.stringify(upserted.body));
    for (const [i, name] of names.entries()) {
      const found = await call('POST', '/collections/sounds/points/search', {
        inputs: { audio: wavs[name].toString('base64') },
        limit: 3,
        with_payload: true,
      });
      const [best] = resultOf<{ id: number; score: number; payload: { name: string } }[]>(found);
      assert.equal(best.id, i, name);
      assert.ok(best.score >= SAME_SOUND, `${name}: score ${best.score}`);
      assert.equal(best.payload.name, name);
    }
  });

  test('an audio input is base64 WAV bytes: a path is a 400, bytes that are not WAV are EMBEDDING_INPUT; nothing is written', async () => {
    const before = resultOf<{ count: number }>(await call('POST', '/collections/sounds/points/count')).count;
    const upsert = (audio: string) =>
      call('PUT', '/collections/sounds/points', { points: [{ id: 'bad', inputs: { audio } }] });
    const path = join(s.dir, 'rising.wav');
    writeFileSync(path, wavs.rising);
    assertError(await upsert(path), 400, 'INVALID_ARGUMENT', 'points[0].inputs.audio');
    const answer = await upsert(`${path}x`);
    assert.match(JSON.stringify(answer.body), /audio file's bytes in base64/);
    const notWav = Buffer.from('these bytes are not a WAV file').toString('base64');
    assertError(await upsert(notWav), 400, 'EMBEDDING_INPUT');
    const search = await call('POST', '/collections/sounds/points/search', {
      inputs: { audio: notWav },
      limit: 1,
    });
    assertError(search, 400, 'EMBEDDING_INPUT');
    assert.equal(
      resultOf<{ count: number }>(await call('POST', '/collections/sounds/points/count')).count,
      before,
    );
    assertError(
      await call('PUT', '/collections/thumbs', {
        vectors: { audio: { provider: 'audio-mfcc', store_input: 'thumbnail' } },
      }),
      400,
      'INVALID_ARGUMENT',
    );
  });

  test('quiverdb/client reads local WAV files and sends their bytes; a missing file is EmbeddingInputError', async () => {
    const db = await connect(s.url);
    try {
      const clips = await db.createCollection('clips', { vectors: { audio: { provider: 'audio-mfcc' } } });
      const path = join(s.dir, 'falling.wav');
      writeFileSync(path, wavs.falling);
      await clips.upsert([
        { id: 'from-path', audio: path },
        { id: 'from-bytes', audio: new Uint8Array(wavs.hiss) },
      ]);
      const [byPath] = await clips.search({ audio: path }, { k: 1 });
      assert.equal(byPath.id, 'from-path');
      assert.ok(byPath.score >= SAME_SOUND, `score ${byPath.score}`);
      const [byBytes] = await clips.search({ audio: wavs.hiss }, { k: 1 });
      assert.equal(byBytes.id, 'from-bytes');
      await assert.rejects(
        clips.upsert([{ id: 'gone', audio: join(s.dir, 'missing.wav') }]),
        EmbeddingInputError,
      );
      await assert.rejects(
        clips.search({ audio: Buffer.from('not a WAV file') }, { k: 1 }),
        EmbeddingInputError,
      );
      assert.equal(await clips.count(), 2);
    } finally {
      await db.close();
    }
  });
});
