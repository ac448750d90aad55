/**
 * A hit's explanation (`explain: true`), closed to one summary line and opened to sections:
 * the search path (segment, index, method with its knobs, partition, filtered rows, the
 * planner's reason), the distances (ranked, exact, and the codes' approximate one for
 * quantized indexes), the BM25 terms, the fusion arithmetic and the filter conditions
 * (`explain-tables.tsx`). The raw JSON is behind its own toggle.
 */
import type { HitExplanation, SearchPathExplanation, VectorScoreExplanation } from '../../api/types.js';
import { explainSummary, formatNumber, pathPhrase, segmentPhrase } from '../../state/explain-format.js';
import { Bm25Table, FilterTable, FusionTable } from './explain-tables.js';

export function ExplainPanel({ explain, score }: { explain: HitExplanation; score: number }) {
  return (
    <details class="explain" data-testid="explain">
      <summary>
        Explain <span class="hint">{explainSummary(explain)}</span>
      </summary>
      {explain.path !== undefined && <PathSection path={explain.path} />}
      {explain.vector !== undefined && <VectorSection vector={explain.vector} />}
      {explain.text !== undefined && <Bm25Table text={explain.text} />}
      {explain.fusion !== undefined && <FusionTable fusion={explain.fusion} score={score} />}
      {explain.filter !== undefined && <FilterTable filter={explain.filter} />}
      <details class="explain-raw">
        <summary>Raw JSON</summary>
        <pre data-testid="explain-raw">{JSON.stringify(explain, null, 2)}</pre>
      </details>
    </details>
  );
}

/** A row of a definition list (nothing when `value` is undefined). */
function Row({ term, value, testId }: { term: string; value: string | undefined; testId?: string }) {
  if (value === undefined) return null;
  return (
    <div>
      <dt>{term}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

function PathSection({ path }: { path: SearchPathExplanation }) {
  const ivf =
    path.list === undefined
      ? undefined
      : `list ${path.list}, ranked ${path.listRank ?? '?'} by distance to the query` +
        (path.nprobe === undefined ? '' : ` (${path.nprobe} probed)`);
  const allowed =
    path.allowedRows === undefined
      ? undefined
      : `${path.allowedRows} rows pass the filter` +
        (path.allowedBound === undefined ? '' : ` (payload indexes bound it at ${path.allowedBound})`);
  const rerank =
    path.rerank === undefined
      ? undefined
      : path.rerank === 0
        ? 'none: scores are the codes’ distances'
        : `${path.rerank} candidates re-ranked on full vectors`;
  return (
    <section class="explain-section" data-testid="explain-path">
      <h3>Path</h3>
      <dl class="explain-facts">
        <Row term="method" value={pathPhrase(path)} testId="explain-method" />
        <Row term="index" value={path.index} />
        <Row term="segment" value={segmentPhrase(path.segment)} />
        <Row
          term="partition"
          value={
            path.partition === undefined
              ? undefined
              : `${path.partition.key} = ${path.partition.value} (${path.partition.rows} rows)`
          }
        />
        <Row term="filtered" value={allowed} testId="explain-filtered" />
        <Row term="hit's IVF list" value={ivf} />
        <Row term="re-ranking" value={rerank} />
        <Row term="why" value={path.reason} testId="explain-reason" />
      </dl>
    </section>
  );
}

function VectorSection({ vector }: { vector: VectorScoreExplanation }) {
  const approximate = vector.approximateDistance;
  return (
    <section class="explain-section" data-testid="explain-vector">
      <h3>Distance</h3>
      <dl class="explain-facts">
        <Row term="metric" value={vector.metric} />
        <Row term="ranked by" value={formatNumber(vector.distance)} />
        <Row
          term="approximate (codes)"
          value={approximate === undefined ? undefined : formatNumber(approximate)}
          testId="explain-approximate"
        />
        <Row term="exact (stored vector)" value={formatNumber(vector.exactDistance)} testId="explain-exact" />
        <Row
          term="codes' error"
          value={approximate === undefined ? undefined : formatNumber(approximate - vector.exactDistance)}
        />
        <Row term="score" value={`${vector.conversion} = ${formatNumber(vector.score)}`} />
      </dl>
    </section>
  );
}
