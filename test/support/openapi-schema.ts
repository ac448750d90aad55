/**
 * A small validator for the OpenAPI 3.0 schema subset that Qdrant's published `openapi.json`
 * uses in its responses (`$ref`, `type`, `properties`, `required`, `items`,
 * `additionalProperties`, `enum`, `anyOf` / `oneOf` / `allOf`, `nullable`, `minimum` /
 * `maximum`, `format: uuid`), so tests can check that an answer has the documented shape.
 *
 * Two readings are deliberate: a schema that is only `{ nullable: true }` (Qdrant's way of
 * writing "or null" inside `anyOf`) accepts `null` alone, and `oneOf` is read as `anyOf`
 * (some of Qdrant's `oneOf` branches overlap, which JSON Schema would reject).
 */
export type Schema = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every way `value` departs from `schema`, as `path: problem` lines (empty when it conforms). */
export function validate(
  schema: Schema,
  value: unknown,
  components: Record<string, Schema>,
  path = '$',
): string[] {
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const target = components[ref.replace('#/components/schemas/', '')];
    if (target === undefined) return [`${path}: unknown schema ${ref}`];
    return validate(target, value, components, path);
  }
  const keys = Object.keys(schema).filter(
    (k) => !['default', 'deprecated', 'format', 'nullable'].includes(k),
  );
  if (value === null) {
    if (schema.nullable === true) return [];
    if (keys.length === 0) return [];
  } else if (keys.length === 0 && schema.nullable === true) {
    return [`${path}: expected null, got ${JSON.stringify(value)}`];
  }
  const problems: string[] = [];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key] as Schema[] | undefined;
    if (branches === undefined) continue;
    const results = branches.map((b) => validate(b, value, components, path));
    if (!results.some((r) => r.length === 0)) {
      const best = results.reduce((a, b) => (b.length < a.length ? b : a));
      problems.push(`${path}: matches no ${key} branch; closest: ${best.join('; ')}`);
    }
  }
  for (const branch of (schema.allOf as Schema[] | undefined) ?? []) {
    problems.push(...validate(branch, value, components, path));
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) {
    problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof schema.type === 'string') problems.push(...checkType(schema, value, components, path));
  return problems;
}

function checkType(
  schema: Schema,
  value: unknown,
  components: Record<string, Schema>,
  path: string,
): string[] {
  const type = schema.type as string;
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  switch (type) {
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || (type === 'integer' && !Number.isInteger(value))) {
        return [`${path}: expected ${type}, got ${JSON.stringify(value)}`];
      }
      if (typeof schema.minimum === 'number' && value < schema.minimum)
        return [`${path}: ${value} < ${schema.minimum}`];
      if (typeof schema.maximum === 'number' && value > schema.maximum)
        return [`${path}: ${value} > ${schema.maximum}`];
      return [];
    }
    case 'string':
      if (typeof value !== 'string') return [`${path}: expected string, got ${got}`];
      if (schema.format === 'uuid' && !UUID.test(value)) return [`${path}: ${value} is not a canonical UUID`];
      return [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected boolean, got ${got}`];
    case 'array': {
      if (!Array.isArray(value)) return [`${path}: expected array, got ${got}`];
      const items = schema.items as Schema | undefined;
      return items ? value.flatMap((v, i) => validate(items, v, components, `${path}[${i}]`)) : [];
    }
    case 'object':
      return checkObject(schema, value, components, path, got);
    default:
      return [`${path}: unsupported schema type ${type}`];
  }
}

function checkObject(
  schema: Schema,
  value: unknown,
  components: Record<string, Schema>,
  path: string,
  got: string,
): string[] {
  if (got !== 'object') return [`${path}: expected object, got ${got}`];
  const object = value as Record<string, unknown>;
  const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
  const problems: string[] = [];
  for (const key of (schema.required as string[] | undefined) ?? []) {
    if (!(key in object)) problems.push(`${path}: missing required ${key}`);
  }
  for (const [key, v] of Object.entries(object)) {
    const property = properties[key];
    if (property !== undefined) problems.push(...validate(property, v, components, `${path}.${key}`));
    else if (schema.additionalProperties === false) problems.push(`${path}: unexpected property ${key}`);
    else if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null) {
      problems.push(...validate(schema.additionalProperties as Schema, v, components, `${path}.${key}`));
    }
  }
  return problems;
}
