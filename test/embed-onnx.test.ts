/**
 * `onnx:<folder>` on a tiny BERT-shaped model the test writes itself (test/support/
 * tiny-onnx-model.ts: embedding lookups and a projection, so its output can be computed by
 * hand), run by `@huggingface/transformers` on ONNX Runtime. Checks that vectors equal the
 * independently computed pooled, normalized hidden states (within 1e-5; 2e-3 for the float16
 * variant), that padding in a batch changes nothing (the attention mask is respected), `cls`
 * pooling, batching order, and the errors for missing files, bad options and bad inputs; and
 * that the runtime is an optional peer whose absence is a typed error (the packed install
 * without it is checked by scripts/check-packed-install.mjs).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEmbedder } from '../src/embed/index.js';
import { halfToNumber } from '../src/embed/onnx-pooling.js';
import {
  importPeer,
  MissingPeerDependencyError,
  ONNX_RUNTIME_PACKAGE,
  ONNX_RUNTIME_RANGE,
  requirePeer,
} from '../src/embed/onnx-runtime.js';
import { EmbeddingInputError, EmbeddingModelError, type EmbeddingProvider } from '../src/embed/provider.js';
import { rebuildError, serializeError } from '../src/embed/worker-protocol.js';
import { InvalidArgumentError } from '../src/errors.js';
import { tempDir } from './support/reference.js';
import { SPECIAL_TOKENS, type TinyModel, writeTinyOnnxModel } from './support/tiny-onnx-model.js';

const WORDS = ['king', 'queen', 'royal', 'palace', 'football', 'goal', 'stadium', 'market'];
const DIMENSION = 16;
const TOLERANCE = 1e-5;
const FP16_TOLERANCE = 2e-3;

/** Token ids the tiny tokenizer gives `text`: [CLS], each lower-cased word or [UNK], [SEP]. */
function tokenIds(model: TinyModel, text: string): number[] {
  const id = (token: string) => model.vocabulary.indexOf(token);
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return [
    id('[CLS]'),
    ...words.map((w) => (model.vocabulary.includes(w) ? id(w) : id('[UNK]'))),
    id('[SEP]'),
  ];
}

/** The model's hidden state of one token (token type 0), in float64. */
function hidden(model: TinyModel, token: number): Float64Array {
  const d = model.dimension;
  const out = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < d; i++)
      s += (model.words[token * d + i] + model.types[i]) * model.projection[i * d + j];
    out[j] = s;
  }
  return out;
}

function normalized(v: Float64Array): Float64Array {
  const len = Math.hypot(...v);
  return v.map((x) => x / len);
}

/** What `mean` pooling should give: the normalized mean of the tokens' hidden states. */
function expectedMean(model: TinyModel, text: string): Float64Array {
  const ids = tokenIds(model, text);
  const sum = new Float64Array(model.dimension);
  for (const id of ids) {
    hidden(model, id).forEach((x, j) => {
      sum[j] += x / ids.length;
    });
  }
  return normalized(sum);
}

function assertClose(got: Float32Array, want: Float64Array, what: string, tolerance = TOLERANCE): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tolerance, `${what}: component ${i}: ${got[i]} vs ${want[i]}`);
  }
}

describe('onnx:<folder> on a tiny BERT-shaped model', () => {
  const dir = tempDir('quiver-onnx-test-');
  const folder = join(dir.path, 'tiny-bert');
  let model: TinyModel;
  let onnx: EmbeddingProvider;

  before(async () => {
    model = writeTinyOnnxModel(folder, WORDS, DIMENSION);
    onnx = await createEmbedder(`onnx:${folder}`, { batchSize: 3 });
  });
  after(async () => {
    await onnx.dispose();
    dir.cleanup();
  });

  test(`is a ${DIMENSION}-d cosine text provider (dimension from config.json)`, () => {
    assert.equal(onnx.name, `onnx:${folder}`);
    assert.equal(onnx.kind, 'text');
    assert.equal(onnx.dimension, DIMENSION);
    assert.equal(onnx.metric, 'cosine');
    assert.equal(onnx.batchSize, 3);
  });

  test(`mean pooling: each vector is the normalized mean of its tokens' hidden states (±${TOLERANCE})`, async () => {
    const texts = ['King queen', 'royal palace football goal stadium', 'market', 'a royal goal'];
    const vectors = await onnx.embed(texts);
    assert.equal(vectors.length, texts.length);
    texts.forEach((text, i) => {
      assertClose(vectors[i], expectedMean(model, text), text);
    });
  });

  test('padding is masked out: a short text gives the same vector alone and beside a long one', async () => {
    const short = 'queen';
    const long = 'king queen royal palace football goal stadium market king queen';
    const [alone] = await onnx.embed([short]);
    const [padded, other] = await onnx.embed([short, long]);
    assertClose(padded, Float64Array.from(alone), 'short text in a padded batch');
    assertClose(other, expectedMean(model, long), 'long text');
  });

  test('batches of batchSize keep input order (7 inputs in batches of 3)', async () => {
    const texts = ['king', 'queen', 'royal', 'palace', 'football', 'goal', 'stadium'];
    const vectors = await onnx.embed(texts);
    texts.forEach((text, i) => {
      assertClose(vectors[i], expectedMean(model, text), text);
    });
    assert.deepEqual(await onnx.embed([]), []);
  });

  test('cls pooling: every text gives the [CLS] hidden state (this model has no attention)', async () => {
    const cls = await createEmbedder(`onnx:${folder}`, { pooling: 'cls' });
    try {
      const want = normalized(hidden(model, SPECIAL_TOKENS.indexOf('[CLS]')));
      for (const v of await cls.embed(['king', 'football goal stadium'])) assertClose(v, want, 'cls');
    } finally {
      await cls.dispose();
    }
  });

  test(`dtype fp16: float16 token states are decoded before pooling (±${FP16_TOLERANCE})`, async () => {
    const fp16 = await createEmbedder(`onnx:${folder}`, { dtype: 'fp16' });
    try {
      const texts = ['King queen', 'royal palace football goal stadium'];
      (await fp16.embed(texts)).forEach((v, i) => {
        assertClose(v, expectedMean(model, texts[i]), texts[i], FP16_TOLERANCE);
      });
    } finally {
      await fp16.dispose();
    }
  });

  test('half-precision bits decode to their values', () => {
    const cases: [number, number][] = [
      [0x3c00, 1],
      [0xc000, -2],
      [0x7bff, 65504],
      [0x0001, 2 ** -24],
      [0x3555, 0.333251953125],
      [0x7c00, Number.POSITIVE_INFINITY],
    ];
    for (const [bits, value] of cases) assert.equal(halfToNumber(bits), value, bits.toString(16));
    assert.ok(Number.isNaN(halfToNumber(0x7e00)));
  });

  test('dispose releases the model; the next embed loads it again', async () => {
    const [before] = await onnx.embed(['royal palace']);
    await onnx.dispose();
    assert.deepEqual(await onnx.embed(['royal palace']), [before]);
  });

  test('empty and non-string inputs fail the batch with EmbeddingInputError', async () => {
    for (const input of ['', '  ', 7, null]) {
      await assert.rejects(onnx.embed(['king', input as string]), (e) => {
        assert.ok(e instanceof EmbeddingInputError);
        assert.equal(e.index, 1);
        return true;
      });
    }
  });

  describe('errors', () => {
    const broken = join(dir.path, 'broken');
    const copy = (name: string) => {
      const to = join(broken, name);
      rmSync(to, { recursive: true, force: true });
      cpSync(folder, to, { recursive: true });
      return to;
    };

    test('a missing folder is EmbeddingModelError naming the folder and the files', async () => {
      const missing = join(dir.path, 'no-such-model');
      await assert.rejects(createEmbedder(`onnx:${missing}`), (e) => {
        assert.ok(e instanceof EmbeddingModelError);
        assert.match(
          e.message,
          /no-such-model lacks config\.json, tokenizer\.json, tokenizer_config\.json, onnx\/model\.onnx/,
        );
        return true;
      });
    });

    test('a missing tokenizer.json or model file is named', async () => {
      const noTokenizer = copy('no-tokenizer');
      rmSync(join(noTokenizer, 'tokenizer.json'));
      await assert.rejects(createEmbedder(`onnx:${noTokenizer}`), /lacks tokenizer\.json$/);
      await assert.rejects(
        createEmbedder(`onnx:${folder}`, { dtype: 'q8' }),
        (e) => e instanceof EmbeddingModelError && /lacks onnx\/model_quantized\.onnx$/.test(e.message),
      );
    });

    test('a config without a hidden size needs the dimension option, which the first batch checks', async () => {
      const noSize = copy('no-size');
      writeFileSync(join(noSize, 'config.json'), JSON.stringify({ model_type: 'bert' }));
      await assert.rejects(createEmbedder(`onnx:${noSize}`), EmbeddingModelError);
      const right = await createEmbedder(`onnx:${noSize}`, { dimension: DIMENSION });
      const wrong = await createEmbedder(`onnx:${noSize}`, { dimension: DIMENSION + 1 });
      try {
        assertClose((await right.embed(['goal']))[0], expectedMean(model, 'goal'), 'goal');
        await assert.rejects(wrong.embed(['goal']), /expected hidden size 17, the model gave 16/);
      } finally {
        await right.dispose();
        await wrong.dispose();
      }
    });

    test('a corrupt model file is EmbeddingModelError at the first embed', async () => {
      const corrupt = copy('corrupt');
      mkdirSync(join(corrupt, 'onnx'), { recursive: true });
      writeFileSync(join(corrupt, 'onnx', 'model.onnx'), 'this is not protobuf');
      const provider = await createEmbedder(`onnx:${corrupt}`);
      await assert.rejects(provider.embed(['king']), EmbeddingModelError);
      await provider.dispose();
    });

    test('bad options and names are InvalidArgumentError', async () => {
      await assert.rejects(createEmbedder('onnx:'), InvalidArgumentError);
      await assert.rejects(createEmbedder(`onnx:${folder}`, { pooling: 'max' }), InvalidArgumentError);
      await assert.rejects(createEmbedder(`onnx:${folder}`, { dtype: 'fp64' }), InvalidArgumentError);
      await assert.rejects(createEmbedder(`onnx:${folder}`, { batchSize: 0 }), InvalidArgumentError);
      await assert.rejects(createEmbedder(`onnx:${folder}`, { normalize: false }), InvalidArgumentError);
    });
  });
});

describe('the onnx: runtime is an optional peer dependency', () => {
  const ABSENT = '@quiverdb/no-such-package';

  test('package.json: a peer marked optional, not a dependency; the range the error quotes is its range', () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
    assert.equal(manifest.dependencies[ONNX_RUNTIME_PACKAGE], undefined);
    assert.equal(manifest.peerDependencies[ONNX_RUNTIME_PACKAGE], ONNX_RUNTIME_RANGE);
    assert.deepEqual(manifest.peerDependenciesMeta[ONNX_RUNTIME_PACKAGE], { optional: true });
    assert.ok(manifest.devDependencies[ONNX_RUNTIME_PACKAGE], 'the repo installs it for its own tests');
  });

  test('an absent package is MissingPeerDependencyError naming it and how to install it', async () => {
    assert.throws(
      () => requirePeer(ABSENT, '^1.2.0', 'onnx:/models/x'),
      (e) =>
        e instanceof MissingPeerDependencyError &&
        e instanceof EmbeddingModelError &&
        e.packageName === ABSENT &&
        e.message.startsWith('onnx:/models/x: needs the npm package @quiverdb/no-such-package') &&
        e.message.endsWith(`npm install ${ABSENT}@'^1.2.0'`),
    );
    await assert.rejects(importPeer(ABSENT, '^1.2.0', 'onnx:/models/x'), MissingPeerDependencyError);
  });

  test('the error crosses from an embedding worker with its class, package and range', () => {
    const original = new MissingPeerDependencyError(ABSENT, '^1.2.0', 'onnx:x: needs the npm package …');
    const rebuilt = rebuildError(structuredClone(serializeError(original)));
    assert.ok(rebuilt instanceof MissingPeerDependencyError && rebuilt instanceof EmbeddingModelError);
    assert.deepEqual(
      [rebuilt.name, rebuilt.code, rebuilt.message, rebuilt.packageName, rebuilt.range],
      [original.name, 'EMBEDDING_MODEL', original.message, ABSENT, '^1.2.0'],
    );
  });

  test('an installed package resolves and imports', async () => {
    assert.doesNotThrow(() => requirePeer(ONNX_RUNTIME_PACKAGE, ONNX_RUNTIME_RANGE, 'onnx:x'));
    const { AutoModel } = await importPeer<typeof import('@huggingface/transformers')>(
      ONNX_RUNTIME_PACKAGE,
      ONNX_RUNTIME_RANGE,
      'onnx:x',
    );
    assert.equal(typeof AutoModel.from_pretrained, 'function');
  });
});
