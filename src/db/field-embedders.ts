/**
 * Vector fields that name an embedding provider: resolving the provider's dimension when a
 * collection is created, and turning raw inputs (image or audio paths or bytes, texts) into vectors on
 * upsert and search.
 *
 * The db layer sits below `embed/` and does not import it: providers come through an
 * `EmbedderResolver` (the package entry point registers `createEmbedder` from
 * `quiverdb/embed` as the default; `Quiver.open(path, { embedders })` overrides it). A
 * provider is created once per field, on first use, and shared by every call after.
 *
 * Invariants: raw inputs are vectorized before anything is written, so an input a provider
 * rejects fails the whole upsert and writes nothing; the WAL and segments hold vectors only
 * (raw string inputs reach the payload only with `storeInput: true`; fields with
 * `storeInput: 'thumbnail'` get a thumbnail of each image input, made beside the embedding,
 * thumbnail-image.ts, and returned for the write to store). Every provider created here
 * is disposed: the one made to learn a field's dimension at once, the field's own when its
 * collection is closed or dropped (the default providers run on worker threads, which
 * `dispose` terminates).
 */
import { DimensionMismatchError, InvalidArgumentError } from '../errors.js';
import { keepsThumbnails, type StoredVectorField } from './collection-config.js';
import { fileInputName, isTextProvider } from './provider-kind.js';
import { makeThumbnails } from './thumbnail-image.js';
import type { PointId, PointInput, RawPointInput } from './types.js';
import { checkOptions, describe } from './validate.js';

/** One object a detecting provider found: its vector, its box and the detector's confidence. */
export interface FieldDetection {
  vector: Float32Array;
  box: { x: number; y: number; width: number; height: number };
  score: number;
}

/** What the database needs of an embedding provider (`EmbeddingProvider` of `quiverdb/embed` is one). */
export interface FieldEmbedder {
  readonly kind: 'image' | 'text' | 'audio';
  readonly dimension: number;
  readonly metric: 'cosine' | 'l2' | 'ip';
  embed(inputs: readonly (string | Uint8Array)[]): Promise<Float32Array[]>;
  detect?(inputs: readonly (string | Uint8Array)[]): Promise<FieldDetection[][]>;
  /** Releases the model (and the provider's worker threads, if it has any). */
  dispose?(): Promise<void>;
}

/** Points with their raw inputs vectorized, and the thumbnails made of their images. */
export interface EmbeddedPoints {
  points: PointInput[];
  /** By point of `points` (same positions): its thumbnails by field; absent when none was made. */
  thumbnails?: (ReadonlyMap<string, Buffer> | undefined)[];
}

/** Creates the provider a field names (`createEmbedder` of `quiverdb/embed`). */
export type EmbedderResolver = (name: string, options: Record<string, unknown>) => Promise<FieldEmbedder>;

let defaultResolver: EmbedderResolver | undefined;

/** Sets the resolver used by databases opened without `embedders` (done by the package entry point). */
export function setDefaultEmbedderResolver(resolver: EmbedderResolver): void {
  defaultResolver = resolver;
}

/** The resolver to use: the given one, else the default, else one that explains what is missing. */
export function embedderResolver(given?: EmbedderResolver): EmbedderResolver {
  if (given) return given;
  return async (name, options) => {
    if (!defaultResolver) {
      throw new InvalidArgumentError(
        `provider '${name}': no embedding providers are registered; import 'quiverdb' or pass { embedders: createEmbedder } to Quiver.open`,
      );
    }
    return defaultResolver(name, options);
  };
}

/**
 * A user's collection config with the dimension (and, unless given, the metric) of every
 * provider field filled in from its provider; a given dimension must agree with it.
 */
export async function resolveProviders(config: unknown, resolve: EmbedderResolver): Promise<unknown> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return config;
  const vectors = (config as Record<string, unknown>).vectors;
  if (typeof vectors !== 'object' || vectors === null || Array.isArray(vectors)) return config;
  const filled: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(vectors)) {
    const f = field as Record<string, unknown> | null;
    if (typeof f !== 'object' || f === null || typeof f.provider !== 'string') {
      filled[name] = field;
      continue;
    }
    if (POINT_KEYS.has(name) || (QUERY_KEYS.has(name) && name !== 'text')) {
      throw new InvalidArgumentError(
        `vectors.${name}: a field with a provider takes raw inputs under its name, so it cannot be named ${name}`,
      );
    }
    const embedder = await resolve(
      f.provider,
      checkOptions(f.providerOptions, `vectors.${name}.providerOptions`),
    );
    // Only its description is needed; the collection creates its own on first use.
    await embedder.dispose?.();
    if (f.dimension !== undefined && f.dimension !== embedder.dimension) {
      throw new DimensionMismatchError(
        embedder.dimension,
        Number(f.dimension),
        `vectors.${name}.dimension (provider ${f.provider})`,
      );
    }
    filled[name] = { ...f, dimension: embedder.dimension, metric: f.metric ?? embedder.metric };
  }
  return { ...config, vectors: filled };
}

export { isTextProvider };

const POINT_KEYS = new Set(['id', 'vector', 'vectors', 'payload']);
const QUERY_KEYS = new Set(['vector', 'using', 'text', 'textField']);

/** The provider fields of one collection, with their providers created on first use. */
export class FieldEmbedders {
  readonly #providers = new Map<string, Promise<FieldEmbedder>>();
  readonly #fields: StoredVectorField[];

  constructor(
    fields: readonly StoredVectorField[],
    private readonly resolve: EmbedderResolver,
    /** Whether the collection has a full-text payload index (then a bare `text` query is BM25). */
    private readonly hasTextIndex: () => boolean,
  ) {
    this.#fields = fields.filter((f) => f.provider !== undefined);
  }

  /** Whether any field has a provider (if not, points and queries pass through untouched). */
  get active(): boolean {
    return this.#fields.length > 0;
  }

  /** The provider of a field, created (once) on first use. */
  provider(field: StoredVectorField): Promise<FieldEmbedder> {
    let p = this.#providers.get(field.name);
    if (!p) {
      const spec = field.provider!;
      p = this.resolve(spec.name, spec.options);
      p.catch(() => this.#providers.delete(field.name));
      this.#providers.set(field.name, p);
    }
    return p;
  }

  /**
   * Disposes the providers created so far (a later call creates them again). Providers that
   * failed to be created are skipped.
   */
  async dispose(): Promise<void> {
    const created = [...this.#providers.values()];
    this.#providers.clear();
    const settled = await Promise.allSettled(created);
    for (const s of settled) if (s.status === 'fulfilled') await s.value.dispose?.();
  }

  /**
   * The points with every raw input replaced by its vector (in `vectors`); points of a
   * detecting field become one point per detection (each with the thumbnail of the whole
   * image). Throws before returning anything when an input is bad: the provider's error
   * first, then a thumbnail's (`InvalidArgumentError`).
   */
  async points(points: readonly (PointInput | RawPointInput)[]): Promise<EmbeddedPoints> {
    const raw = new Map<StoredVectorField, { point: number; input: string | Uint8Array }[]>();
    points.forEach((p, i) => {
      if (typeof p !== 'object' || p === null) return;
      let detecting: string | undefined;
      for (const key of Object.keys(p)) {
        if (POINT_KEYS.has(key)) continue;
        const field = this.field(key, `points[${i}]`);
        const input = this.checkInput(field, (p as RawPointInput)[key], `points[${i}].${key}`);
        if (p.vectors !== undefined && (p.vectors as Record<string, unknown>)[key] !== undefined) {
          throw new InvalidArgumentError(
            `points[${i}]: give ${key} either as a raw input or in vectors, not both`,
          );
        }
        if (field.provider!.name === 'face') {
          if (detecting)
            throw new InvalidArgumentError(
              `points[${i}]: at most one face field per point, got ${detecting} and ${key}`,
            );
          detecting = key;
        }
        let list = raw.get(field);
        if (!list) raw.set(field, (list = []));
        list.push({ point: i, input });
      }
    });
    if (raw.size === 0) return { points: points as PointInput[] };
    const vectors = points.map((p) => ({ ...(p.vectors ?? {}) }) as Record<string, Float32Array | unknown>);
    const payloads = points.map((p) =>
      p.payload === undefined || p.payload === null ? undefined : { ...p.payload },
    );
    const detections = new Map<number, { field: string; found: FieldDetection[] }>();
    const thumbnails: Map<string, Buffer>[] = [];
    for (const [field, list] of raw) {
      const inputs = list.map((r) => r.input);
      const thumbs = keepsThumbnails(field)
        ? makeThumbnails(list.map((r) => ({ input: r.input, where: `points[${r.point}].${field.name}` })))
        : undefined;
      // Awaited after the embedding, whose error (if both fail) is the one reported.
      thumbs?.catch(() => undefined);
      const embedder = await this.provider(field);
      if (embedder.detect) {
        const found = await embedder.detect(inputs);
        list.forEach((r, j) => {
          detections.set(r.point, { field: field.name, found: found[j] });
        });
      } else {
        const out = await embedder.embed(inputs);
        list.forEach((r, j) => {
          vectors[r.point][field.name] = out[j];
        });
      }
      if (field.provider!.storeInput === true) {
        for (const r of list) {
          if (typeof r.input === 'string')
            payloads[r.point] = { ...(payloads[r.point] ?? {}), [field.name]: r.input };
        }
      }
      if (thumbs) {
        const made = await thumbs;
        list.forEach((r, j) => {
          thumbnails[r.point] ??= new Map();
          thumbnails[r.point].set(field.name, made[j]);
        });
      }
    }
    const outThumbnails: (Map<string, Buffer> | undefined)[] = [];
    const out: PointInput[] = [];
    points.forEach((p, i) => {
      const d = detections.get(i);
      if (!d) {
        outThumbnails.push(thumbnails[i]);
        out.push({
          id: p.id,
          vector: p.vector as PointInput['vector'],
          vectors: vectors[i] as PointInput['vectors'],
          payload: payloads[i],
        });
        return;
      }
      d.found.forEach((det, n) => {
        const stored = payloads[i]?.[d.field];
        const face = {
          source: p.id as PointId,
          index: n,
          box: det.box,
          score: det.score,
          ...(stored === undefined ? {} : { input: stored }),
        };
        outThumbnails.push(thumbnails[i]);
        out.push({
          id: `${String(p.id)}#${n}`,
          vectors: { ...(vectors[i] as Record<string, Float32Array>), [d.field]: det.vector },
          payload: { ...(payloads[i] ?? {}), [d.field]: face },
        });
      });
    });
    return thumbnails.length === 0 ? { points: out } : { points: out, thumbnails: outThumbnails };
  }

  /**
   * A search's query with a raw input replaced by `{ vector, using }` (other parts kept); a
   * vector or a query without raw inputs is returned as it is.
   */
  async query(query: unknown): Promise<unknown> {
    if (typeof query !== 'object' || query === null || Array.isArray(query) || ArrayBuffer.isView(query))
      return query;
    const q = { ...(query as Record<string, unknown>) };
    const rawKeys = Object.keys(q).filter((key) => !QUERY_KEYS.has(key));
    if (q.text !== undefined && q.textField === undefined) {
      const target = this.textTarget();
      if (target) {
        const text = q.text;
        delete q.text;
        q[target] = text;
        rawKeys.push(target);
      }
    }
    if (rawKeys.length === 0) return query;
    if (rawKeys.length > 1) {
      throw new InvalidArgumentError(`query: give one raw input, got ${rawKeys.join(', ')}`);
    }
    if (q.vector !== undefined)
      throw new InvalidArgumentError(`query: give a vector or a raw ${rawKeys[0]}, not both`);
    const key = rawKeys[0];
    const field = this.field(key, 'query');
    const input = this.checkInput(field, q[key], `query.${key}`);
    const [vector] = await (await this.provider(field)).embed([input]);
    delete q[key];
    return { ...q, vector, using: field.name };
  }

  /** The field a bare `{ text }` query embeds into, or undefined when it is a BM25 query. */
  private textTarget(): string | undefined {
    const named = this.#fields.find((f) => f.name === 'text');
    if (named) return 'text';
    if (this.hasTextIndex()) return undefined;
    const texts = this.#fields.filter((f) => isTextProvider(f.provider!.name));
    return texts.length === 1 ? texts[0].name : undefined;
  }

  private field(key: string, where: string): StoredVectorField {
    const field = this.#fields.find((f) => f.name === key);
    if (!field) {
      throw new InvalidArgumentError(
        `${where}: unknown property '${key}'; raw inputs go under the name of a vector field with a provider (${this.#fields.map((f) => f.name).join(', ')})`,
      );
    }
    return field;
  }

  private checkInput(field: StoredVectorField, value: unknown, where: string): string | Uint8Array {
    const provider = field.provider!.name;
    const text = isTextProvider(provider);
    if (typeof value === 'string' && value.length > 0) return value;
    if (!text && value instanceof Uint8Array && value.length > 0) return value;
    throw new InvalidArgumentError(
      `${where}: expected ${text ? 'a non-empty text' : `an ${fileInputName(provider)} path or its bytes`}, got ${describe(value)}`,
    );
  }
}
