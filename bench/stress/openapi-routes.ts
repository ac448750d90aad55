/**
 * The routes a server describes in its `/openapi.json`, and a plausible body for each: a
 * known-good body for the routes this harness knows, otherwise one generated from the
 * route's JSON schema (required properties, vectors of the collection's dimension, the
 * first value of an enum, the minimum of a number). A route added to the server later is
 * fuzzed from its schema without any change here.
 */
import type { SeededRandom } from '../../src/index.js';

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  minItems?: number;
  minLength?: number;
  $ref?: string;
};

export interface Route {
  method: string;
  /** The path template, e.g. `/collections/{name}/points`. */
  template: string;
  /** Path parameter names, in order. */
  params: string[];
  /** The JSON schema of the body, when the route takes one. */
  body?: JsonSchema;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>
  >;
  components?: { schemas?: Record<string, JsonSchema> };
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

export function routesOf(document: OpenApiDocument): Route[] {
  const routes: Route[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!METHODS.has(method)) continue;
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      routes.push({
        method: method.toUpperCase(),
        template,
        params: [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
        body: schema && resolveRefs(schema, document.components?.schemas ?? {}),
      });
    }
  }
  return routes;
}

function resolveRefs(schema: JsonSchema, components: Record<string, JsonSchema>, depth = 0): JsonSchema {
  if (depth > 20) return {};
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolveRefs(components[name] ?? {}, components, depth + 1);
  }
  const out: JsonSchema = { ...schema };
  if (schema.properties) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, resolveRefs(v, components, depth + 1)]),
    );
  }
  if (schema.items) out.items = resolveRefs(schema.items, components, depth + 1);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (schema[key]) out[key] = schema[key]!.map((s) => resolveRefs(s, components, depth + 1));
  }
  return out;
}

/** What the fuzzed collection looks like, for plausible bodies. */
export interface FuzzTarget {
  dimension: number;
  vector: () => number[];
  /** Ids that exist in the collection. */
  ids: (string | number)[];
}

/** Known-good bodies by `METHOD template`; every other route gets `exampleOf` its schema. */
export function knownBody(route: Route, target: FuzzTarget, rng: SeededRandom): unknown {
  const v = target.vector;
  const id = () => target.ids[rng.int(target.ids.length)];
  const bodies: Record<string, () => unknown> = {
    'PUT /collections/{name}': () => ({
      vectors: { size: target.dimension, distance: 'Cosine' },
      segment_size: 30,
    }),
    'PUT /collections/{name}/points': () => ({
      points: [
        { id: 1000 + rng.int(1000), vector: v(), payload: { n: rng.int(50), tag: 'even', note: 'héllo' } },
        { id: `new-${rng.int(1000)}`, vector: v() },
      ],
    }),
    'POST /collections/{name}/points': () => ({ ids: [id(), id()], with_vector: true }),
    'POST /collections/{name}/points/delete': () => ({ points: [`absent-${rng.int(1000)}`] }),
    'POST /collections/{name}/points/count': () => ({ filter: { must: [{ key: 'n', range: { gte: 3 } }] } }),
    'POST /collections/{name}/points/scroll': () => ({ limit: 10, offset: id(), with_vector: true }),
    'POST /collections/{name}/points/search': () => ({
      vector: v(),
      limit: 5,
      filter: { must: [{ key: 'tag', match: { value: 'even' } }] },
      with_payload: true,
    }),
    'POST /collections/{name}/points/search/batch': () => ({
      searches: [
        { vector: v(), limit: 3 },
        { vector: v(), limit: 3, with_payload: true },
      ],
    }),
    'POST /collections/{name}/points/query': () => ({
      prefetch: [
        { query: v(), limit: 5 },
        { query: v(), limit: 5 },
      ],
      query: { fusion: 'rrf' },
      limit: 3,
    }),
    'POST /collections/{name}/points/range': () => ({ vector: v(), score_threshold: 0.5 }),
    'POST /collections/{name}/points/recommend': () => ({
      positive: [id()],
      negative: [{ vector: v() }],
      limit: 5,
    }),
    'POST /collections/{name}/points/payload': () => ({ payload: { fuzzed: rng.int(10) }, points: [id()] }),
    'PUT /collections/{name}/index': () => ({ field_name: 'n', field_schema: 'integer' }),
  };
  const known = bodies[`${route.method} ${route.template}`];
  if (known) return known();
  return route.body ? exampleOf(route.body, target, rng) : undefined;
}

/** A value that satisfies the simple parts of `schema` (not every constraint: it is a start for mutations). */
export function exampleOf(schema: JsonSchema, target: FuzzTarget, rng: SeededRandom, depth = 0): unknown {
  if (depth > 8) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    const vectorBranch = branches.find((b) => b.type === 'array' && b.items?.type === 'number');
    if (vectorBranch) return target.vector();
    return exampleOf(branches[rng.int(branches.length)], target, rng, depth + 1);
  }
  if (schema.allOf)
    return Object.assign({}, ...schema.allOf.map((s) => exampleOf(s, target, rng, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) {
        out[key] = exampleOf(schema.properties?.[key] ?? {}, target, rng, depth + 1);
      }
      return out;
    }
    case 'array': {
      const length = Math.max(1, schema.minItems ?? 1);
      return Array.from({ length }, () => exampleOf(schema.items ?? {}, target, rng, depth + 1));
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return null;
  }
}
