/**
 * The tables of a hit's explanation: BM25 per query term (its contributions add up to the
 * BM25 score), the fusion of a hybrid search per branch (rank, score, weight and the
 * formula with its numbers; the contributions add up to the hit's score), and the filter's
 * conditions with what answered each.
 */
import type { ComponentChildren } from 'preact';
import type { Bm25Explanation, FilterExplanation, FusionExplanation } from '../../api/types.js';
import { branchArithmetic, formatNumber, fusionFormula, sumLine } from '../../state/explain-format.js';

/** A column heading; numeric columns are right-aligned. */
type Column = string | { numeric: string };

/** A titled section holding one table (scrolling inside its frame on a narrow screen). */
function ExplainTable({
  testId,
  title,
  note,
  columns,
  children,
  foot,
}: {
  testId: string;
  title: ComponentChildren;
  note?: ComponentChildren;
  columns: Column[];
  children: ComponentChildren;
  foot?: ComponentChildren;
}) {
  return (
    <section class="explain-section" data-testid={testId}>
      <h3>{title}</h3>
      {note}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              {columns.map((c) =>
                typeof c === 'string' ? (
                  <th key={c}>{c}</th>
                ) : (
                  <th key={c.numeric} class="num">
                    {c.numeric}
                  </th>
                ),
              )}
            </tr>
          </thead>
          <tbody>{children}</tbody>
          {foot !== undefined && <tfoot>{foot}</tfoot>}
        </table>
      </div>
    </section>
  );
}

/** ` ✓` when the sum is the score the server sent, else that score beside it. */
function checked(total: number, score: number): string {
  return total === score ? ' ✓' : ` (score ${formatNumber(score)})`;
}

export function Bm25Table({ text }: { text: Bm25Explanation }) {
  const sum = sumLine(text.terms.map((t) => t.contribution));
  const numeric = ['in query', 'tf', 'df', 'idf', 'length norm', 'contribution'].map((n) => ({ numeric: n }));
  return (
    <ExplainTable
      testId="explain-bm25"
      title={`BM25 on “${text.field}”`}
      note={
        <p class="hint">
          N = {text.docCount} documents, avgdl = {formatNumber(text.avgLength)}, |d| = {text.docLength}, k1 ={' '}
          {text.k1}, b = {text.b}; contribution = count · idf · (k1 + 1) · tf / (tf + length norm)
        </p>
      }
      columns={['term', ...numeric]}
      foot={
        <tr>
          <th colSpan={6}>sum = BM25 score</th>
          <td class="num" data-testid="bm25-sum" title={sum.text}>
            {formatNumber(sum.total)}
            {checked(sum.total, text.score)}
          </td>
        </tr>
      }
    >
      {text.terms.map((t, i) => (
        <tr key={`${t.term}-${i}`} data-testid="bm25-term">
          <th>{t.term}</th>
          <td class="num">{t.queryCount}</td>
          <td class="num">{t.tf}</td>
          <td class="num">{t.df}</td>
          <td class="num">{formatNumber(t.idf)}</td>
          <td class="num">{formatNumber(t.lengthNorm)}</td>
          <td class="num">{formatNumber(t.contribution)}</td>
        </tr>
      ))}
    </ExplainTable>
  );
}

export function FusionTable({ fusion, score }: { fusion: FusionExplanation; score: number }) {
  const sum = sumLine(fusion.branches.map((b) => b.contribution));
  return (
    <ExplainTable
      testId="explain-fusion"
      title="Fusion"
      note={
        <p class="hint" data-testid="fusion-formula">
          {fusionFormula(fusion)}
        </p>
      }
      columns={['branch', { numeric: 'rank' }, { numeric: 'score' }, { numeric: 'weight' }, 'contribution']}
      foot={
        <tr>
          <th colSpan={4}>sum = the hit’s score</th>
          <td data-testid="fusion-sum">
            {sum.text}
            {checked(sum.total, score)}
          </td>
        </tr>
      }
    >
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
    </ExplainTable>
  );
}

export function FilterTable({ filter }: { filter: FilterExplanation }) {
  return (
    <ExplainTable
      testId="explain-filter"
      title="Filter"
      columns={['where', 'condition', 'answered by', 'on this hit']}
    >
      {filter.conditions.map((c) => (
        <tr key={c.path} data-testid="filter-condition">
          <th>{c.path}</th>
          <td>{c.condition}</td>
          <td data-testid="filter-answered-by">{c.answeredBy}</td>
          <td>{c.holds ? 'true' : 'false'}</td>
        </tr>
      ))}
    </ExplainTable>
  );
}
