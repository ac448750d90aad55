/**
 * The tables of a hit's explanation: BM25 per query term (its contributions add up to the
 * BM25 score), the fusion of a hybrid search per branch (rank, score, weight and the
 * formula with its numbers; the contributions add up to the hit's score), and the filter's
 * conditions with what answered each.
 */
import type { Bm25Explanation, FilterExplanation, FusionExplanation } from '../../api/types.js';
import { branchArithmetic, formatNumber, fusionFormula, sumLine } from '../../state/explain-format.js';

export function Bm25Table({ text }: { text: Bm25Explanation }) {
  const sum = sumLine(text.terms.map((t) => t.contribution));
  return (
    <section class="explain-section" data-testid="explain-bm25">
      <h3>BM25 on “{text.field}”</h3>
      <p class="hint">
        N = {text.docCount} documents, avgdl = {formatNumber(text.avgLength)}, |d| = {text.docLength}, k1 ={' '}
        {text.k1}, b = {text.b}; contribution = count · idf · (k1 + 1) · tf / (tf + length norm)
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>term</th>
              <th class="num">in query</th>
              <th class="num">tf</th>
              <th class="num">df</th>
              <th class="num">idf</th>
              <th class="num">length norm</th>
              <th class="num">contribution</th>
            </tr>
          </thead>
          <tbody>
            {text.terms.map((t, i) => (
              <tr key={`${t.term}-${i}`} data-testid="bm25-term">
                <th>{t.term}</th>
                <td class="num">{t.queryCount}</td>
                <td class="num" data-testid="bm25-tf">
                  {t.tf}
                </td>
                <td class="num">{t.df}</td>
                <td class="num">{formatNumber(t.idf)}</td>
                <td class="num">{formatNumber(t.lengthNorm)}</td>
                <td class="num" data-testid="bm25-contribution">
                  {formatNumber(t.contribution)}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th colSpan={6}>sum = BM25 score</th>
              <td class="num" data-testid="bm25-sum" title={sum.text}>
                {formatNumber(sum.total)}
                {sum.total === text.score ? ' ✓' : ` (score ${formatNumber(text.score)})`}
              </td>
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}

export function FusionTable({ fusion, score }: { fusion: FusionExplanation; score: number }) {
  const sum = sumLine(fusion.branches.map((b) => b.contribution));
  return (
    <section class="explain-section" data-testid="explain-fusion">
      <h3>Fusion</h3>
      <p class="hint" data-testid="fusion-formula">
        {fusionFormula(fusion)}
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>branch</th>
              <th class="num">rank</th>
              <th class="num">score</th>
              <th class="num">weight</th>
              <th>contribution</th>
            </tr>
          </thead>
          <tbody>
            {fusion.branches.map((b) => (
              <tr key={b.branch} data-testid="fusion-branch" data-branch={b.branch}>
                <th>{b.branch}</th>
                <td class="num" data-testid="fusion-rank">
                  {b.rank ?? '—'}
                </td>
                <td class="num">{b.score === undefined ? '—' : formatNumber(b.score)}</td>
                <td class="num">{formatNumber(b.weight)}</td>
                <td data-testid="fusion-contribution">{branchArithmetic(b, fusion)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th colSpan={4}>sum = the hit’s score</th>
              <td data-testid="fusion-sum">
                {sum.text}
                {sum.total === score ? ' ✓' : ` (score ${formatNumber(score)})`}
              </td>
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}

export function FilterTable({ filter }: { filter: FilterExplanation }) {
  return (
    <section class="explain-section" data-testid="explain-filter">
      <h3>Filter</h3>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>where</th>
              <th>condition</th>
              <th>answered by</th>
              <th>on this hit</th>
            </tr>
          </thead>
          <tbody>
            {filter.conditions.map((c) => (
              <tr key={c.path} data-testid="filter-condition">
                <th>{c.path}</th>
                <td>{c.condition}</td>
                <td data-testid="filter-answered-by">{c.answeredBy}</td>
                <td>{c.holds ? 'true' : 'false'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
