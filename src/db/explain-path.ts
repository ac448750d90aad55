/**
 * How a vector search reached a segment's rows: the planner's decision record
 * (`planSegmentSearch`, search-plan.ts: payload-index bound, value partition, scan-vs-walk
 * rule), made again after the search from the same inputs, then the index's own rule, so the
 * search's hot path carries no tracing. The decisions are pure functions of the segment, the
 * filter and the parameters, so this reports what the search did, computed once per segment
 * that holds a hit.
 *
 * IVF probes are recomputed from the centroids (squared L2, as the index probes): a hit
 * whose list is not among the `nprobe` nearest came from the index's exact fallback scan.
 */
import { AnnoyIndex } from '../index/annoy-index.js';
import type { Bitset } from '../index/bitset.js';
import { HnswIndex, scanBeatsWalk } from '../index/hnsw-index.js';
import { HnswSq8Index } from '../index/hnsw-sq8-index.js';
import { IVF_DEFAULT_NPROBE, IvfIndex } from '../index/ivf-index.js';
import { LshIndex } from '../index/lsh-index.js';
import { OnDiskFlatIndex } from '../index/ondisk-flat-index.js';
import { OnDiskHnswSq8Index } from '../index/ondisk-hnsw-index.js';
import { PqIndex } from '../index/pq-index.js';
import { Sq8Index } from '../index/sq8-index.js';
import type { IndexSearchParams, VectorIndexRead } from '../index/vector-index.js';
import { isFieldCondition } from '../payload/filter.js';
import type { SegmentView } from '../segment/segment-view.js';
import { TombstonedSegment } from '../segment/tombstones.js';
import type { SearchPathExplanation } from './explain-types.js';
import { rowIdsOf } from './row-ids.js';
import { planSegmentSearch, type RowScope } from './search-plan.js';

/**
 * The path of a top-`n` vector search of `field` through `view` (the `position`-th searched
 * segment).
 */
export function explainSegmentPath(
  view: SegmentView,
  position: number,
  field: number,
  n: number,
  scope: RowScope,
  params: IndexSearchParams,
): SearchPathExplanation {
  const sealed = view instanceof TombstonedSegment;
  const segment = {
    position,
    kind: sealed ? ('sealed' as const) : ('growing' as const),
    ...(sealed ? { id: view.segment.id } : {}),
    rows: view.rows,
    liveRows: view.liveCount,
  };
  // The planner's own decision record, made again from the same inputs.
  const plan = planSegmentSearch(view, field, n, scope, params);
  const index = plan?.index ?? view.fieldIndex(field);
  const bound = scope.filter
    ? view.payloadIndex.estimate(scope.filter, view.rows, rowIdsOf(view))
    : view.rows;
  const allowedCount = plan?.listed ? plan.listed.length : plan?.allow ? plan.allow.count() : index.size;
  const partitionRows = plan?.rowsOf?.length;
  const base: Pick<
    SearchPathExplanation,
    'segment' | 'index' | 'allowedBound' | 'allowedRows' | 'partition'
  > = {
    segment,
    index: index.type,
    ...(scope.filter ? { allowedBound: bound, allowedRows: allowedCount } : {}),
    ...(partitionRows === undefined
      ? {}
      : { partition: { ...partitionCondition(view, field, scope), rows: partitionRows } }),
  };
  const where = partitionRows === undefined ? '' : "value partition's ";
  if (params.strategy === 'scan') {
    return { ...base, method: 'exact-scan', reason: 'exact search asked for (exact: true)' };
  }
  if (plan?.params.strategy === 'scan') {
    const reason =
      partitionRows === undefined
        ? `filter allows at most ${bound} of ${view.rows} rows: the planner scans them exactly (scan beats walk)`
        : `value partition: ${allowedCount} of its ${partitionRows} rows allowed: the planner scans them exactly (scan beats walk)`;
    return { ...base, method: 'exact-scan', reason };
  }
  const decision = indexDecision(index, n, plan?.allow, allowedCount, plan?.params ?? params, sealed);
  return { ...base, ...decision, reason: `${where}${decision.reason}` };
}

type IndexDecision = Pick<
  SearchPathExplanation,
  'method' | 'reason' | 'ef' | 'M' | 'nprobe' | 'nlist' | 'rerank' | 'searchK'
>;

/** What the index itself chose (each family's own planning rule, see its file). */
function indexDecision(
  index: VectorIndexRead,
  n: number,
  allow: Bitset | undefined,
  allowed: number,
  params: IndexSearchParams,
  sealed: boolean,
): IndexDecision {
  const size = index.size;
  const limit = Math.min(n, allowed);
  const auto = (params.strategy ?? 'auto') === 'auto';
  if (index instanceof HnswIndex || index instanceof HnswSq8Index || index instanceof OnDiskHnswSq8Index) {
    const onDisk = index instanceof OnDiskHnswSq8Index;
    const M = index.options.M;
    const ef = Math.max(params.ef ?? index.options.ef, limit);
    if (auto && allow !== undefined && scanBeatsWalk(allowed, ef, size)) {
      return {
        method: 'exact-scan',
        reason: `HNSW: ${allowed} allowed rows of ${size}: a scan beats a walk`,
      };
    }
    return {
      method: 'graph-walk',
      reason:
        (allow ? 'HNSW walk with the filter applied inside the walk' : 'HNSW walk') +
        (onDisk ? ' over SQ8 codes, candidates re-ranked on rows read from disk' : ''),
      ef,
      M,
      ...(index instanceof HnswIndex ? {} : { rerank: params.rerank ?? ef }),
    };
  }
  if (index instanceof IvfIndex) {
    const nprobe = Math.min(params.nprobe ?? index.defaultNprobe ?? IVF_DEFAULT_NPROBE, index.nlist);
    if (auto && allow !== undefined && allowed * index.nlist <= size * nprobe) {
      return {
        method: 'exact-scan',
        reason: `IVF: ${allowed} allowed rows, no more than ${nprobe} of ${index.nlist} lists hold: scanned exactly`,
      };
    }
    return {
      method: 'ivf-probe',
      reason: `IVF: the ${nprobe} lists nearest the query`,
      nprobe,
      nlist: index.nlist,
    };
  }
  if (index instanceof PqIndex) {
    if (auto && allow !== undefined && allowed * index.dimension < 2 * size * index.recipe.m) {
      return { method: 'exact-scan', reason: `PQ: ${allowed} allowed rows: scanned exactly` };
    }
    return {
      method: 'quantized-scan',
      reason: 'PQ codes scanned by asymmetric distance, then re-ranked',
      rerank: params.rerank,
    };
  }
  if (index instanceof Sq8Index) {
    return {
      method: 'quantized-scan',
      reason: 'SQ8 codes scanned, then re-ranked on full vectors',
      rerank: params.rerank,
    };
  }
  if (index instanceof AnnoyIndex) {
    const searchK = params.searchK ?? index.trees * n;
    if (auto && allow !== undefined && allowed * allowed < searchK * size) {
      return { method: 'exact-scan', reason: `Annoy: ${allowed} allowed rows: scanned exactly`, searchK };
    }
    return { method: 'annoy', reason: `Annoy: ${index.trees} trees until ${searchK} rows gathered`, searchK };
  }
  if (index instanceof LshIndex) {
    return {
      method: 'lsh',
      reason: 'LSH signatures (random hyperplanes), re-ranked on full vectors',
      rerank: params.rerank,
    };
  }
  if (index instanceof OnDiskFlatIndex) {
    return {
      method: 'exact-scan',
      reason: 'flat index over rows on disk: every allowed row read and scanned',
    };
  }
  return {
    method: 'exact-scan',
    reason: sealed
      ? `${index.type} index: every allowed row scanned`
      : 'growing segment: searched exhaustively',
  };
}

/** The `must` condition whose value partition the planner searched. */
function partitionCondition(
  view: SegmentView,
  field: number,
  scope: RowScope,
): { key: string; value: string } {
  for (const condition of scope.filter?.must ?? []) {
    if (!isFieldCondition(condition) || !('match' in condition) || !('value' in condition.match)) continue;
    const value = condition.match.value;
    if (typeof value !== 'string' || !(view instanceof TombstonedSegment)) continue;
    if (view.segment.partition(field, condition.key, value)) return { key: condition.key, value };
  }
  return { key: '', value: '' };
}

/**
 * The IVF list of `row` (its nearest centroid by squared L2) and that list's rank among the
 * lists by distance to `query` (1 = nearest), or undefined for other indexes.
 */
export function ivfListOf(
  index: VectorIndexRead,
  query: Float32Array,
  row: Float32Array,
): { list: number; listRank: number } | undefined {
  if (!(index instanceof IvfIndex)) return undefined;
  const centroids = index.centroidRows();
  if (!centroids) return undefined;
  const d = index.dimension;
  const l2 = (v: Float32Array, c: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = v[j] - centroids[c * d + j];
      s += t * t;
    }
    return s;
  };
  let list = 0;
  for (let c = 1; c < index.nlist; c++) if (l2(row, c) < l2(row, list)) list = c;
  const toList = l2(query, list);
  let listRank = 1;
  for (let c = 0; c < index.nlist; c++) if (c !== list && l2(query, c) < toList) listRank++;
  return { list, listRank };
}
