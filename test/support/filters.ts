import type { Condition, FieldCondition, Filter, Payload } from '../../src/payload/filter.js';

/**
 * The reference interpreter: the semantics written as plainly as possible, with arrays
 * flattened eagerly and no precomputation, to check `compileFilter` against.
 */
function referenceValues(node: unknown, segments: string[]): unknown[] {
  if (Array.isArray(node)) return node.flatMap((element) => referenceValues(element, segments));
  if (node === undefined) return [];
  if (segments.length === 0) return [node];
  if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segments[0])) return [];
  return referenceValues((node as Payload)[segments[0]], segments.slice(1));
}

export function matchesReference(filter: Filter, payload: Payload | undefined): boolean {
  const conditionHolds = (condition: Condition): boolean =>
    'key' in condition ? referenceField(condition, payload) : matchesReference(condition, payload);
  const should = filter.should ?? [];
  return (
    (filter.must ?? []).every(conditionHolds) &&
    !(filter.must_not ?? []).some(conditionHolds) &&
    (should.length === 0 || should.some(conditionHolds))
  );
}

function referenceField(condition: FieldCondition, payload: Payload | undefined): boolean {
  const values = referenceValues(payload ?? {}, condition.key.split('.'));
  if ('exists' in condition) return values.some((value) => value !== null) === condition.exists;
  if ('range' in condition) {
    const { gt, gte, lt, lte } = condition.range;
    return values.some(
      (value) =>
        typeof value === 'number' &&
        (gt === undefined || value > gt) &&
        (gte === undefined || value >= gte) &&
        (lt === undefined || value < lt) &&
        (lte === undefined || value <= lte),
    );
  }
  const match = condition.match;
  const wanted = 'value' in match ? [match.value] : match.any;
  return values.some((value) => wanted.some((candidate) => candidate === value));
}
