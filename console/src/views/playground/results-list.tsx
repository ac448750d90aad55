/**
 * Search results: rank, id, score, payload, the point's thumbnail when the collection keeps
 * them, and the hit's explanation when the search asked for one (then one result a row).
 */
import type { ScoredPoint } from '../../api/types.js';
import { cellText, formatScore } from '../../state/format.js';
import { Thumbnail } from '../common/thumbnail.js';
import { ExplainPanel } from './explain-panel.js';

export function ResultsList({
  collection,
  hits,
  thumbnailField,
}: {
  collection: string;
  hits: ScoredPoint[];
  thumbnailField?: string;
}) {
  if (hits.length === 0) return <p class="empty">No results.</p>;
  const explained = hits.some((hit) => hit.explain !== undefined);
  return (
    <ol class={explained ? 'results explained' : 'results'} data-testid="results">
      {hits.map((hit) => (
        <li key={String(hit.id)} class="result" data-testid="result" data-id={String(hit.id)}>
          {thumbnailField !== undefined && (
            <Thumbnail collection={collection} id={hit.id} field={thumbnailField} />
          )}
          <div class="result-body">
            <div class="result-head">
              <strong data-testid="result-id">{String(hit.id)}</strong>
              <span class="score" title="score">
                {formatScore(hit.score)}
              </span>
            </div>
            <dl class="payload">
              {Object.entries(hit.payload ?? {})
                .slice(0, 6)
                .map(([key, value]) => (
                  <div key={key}>
                    <dt>{key}</dt>
                    <dd>{cellText(value, 80)}</dd>
                  </div>
                ))}
            </dl>
            {hit.explain !== undefined && <ExplainPanel explain={hit.explain} score={hit.score} />}
          </div>
        </li>
      ))}
    </ol>
  );
}
