/**
 * `quiver search --explain`: each hit's explanation (`Hit.explain`) as indented lines under
 * its rank — the path through its segment, its distances, BM25 terms, the fusion's sums and
 * the filter's conditions — with numbers to 4 significant digits.
 */
import type { Hit, HitExplanation } from '../db/types.js';

const num = (x: number | undefined) => (x === undefined ? '–' : Number(x.toPrecision(4)).toString());

/** The explanations of `hits`, one block per hit. */
export function explainText(hits: readonly Hit[]): string {
  return hits
    .map((hit, i) => `#${i + 1} id ${String(hit.id)}  score ${num(hit.score)}\n${lines(hit.explain)}`)
    .join('');
}

function lines(e: HitExplanation | undefined): string {
  if (e === undefined) return '  (no explanation)\n';
  const out: string[] = [];
  const p = e.path;
  if (p) {
    const where = `${p.segment.kind} segment${p.segment.id === undefined ? '' : ` ${p.segment.id}`} (${p.segment.liveRows} live rows)`;
    const knobs = [
      p.ef === undefined ? '' : `ef ${p.ef}`,
      p.M === undefined ? '' : `M ${p.M}`,
      p.nprobe === undefined ? '' : `nprobe ${p.nprobe}/${p.nlist}`,
      p.list === undefined ? '' : `list ${p.list} (rank ${p.listRank})`,
      p.partition === undefined
        ? ''
        : `partition ${p.partition.key}=${p.partition.value} (${p.partition.rows} rows)`,
      p.allowedRows === undefined ? '' : `${p.allowedRows} allowed`,
    ].filter((s) => s !== '');
    out.push(`path: ${where}, ${p.index}: ${p.method}${knobs.length ? ` [${knobs.join(', ')}]` : ''}`);
    out.push(`  why: ${p.reason}`);
  }
  const v = e.vector;
  if (v) {
    const approx = v.approximateDistance === undefined ? '' : `, codes ${num(v.approximateDistance)}`;
    out.push(
      `${v.metric}: distance ${num(v.distance)} (exact ${num(v.exactDistance)}${approx}); ${v.conversion}`,
    );
  }
  const t = e.text;
  if (t) {
    out.push(
      `bm25 "${t.field}": N ${t.docCount}, avgdl ${num(t.avgLength)}, |d| ${t.docLength} → ${num(t.score)}`,
    );
    for (const term of t.terms) {
      out.push(
        `  ${term.term}${term.queryCount > 1 ? ` ×${term.queryCount}` : ''}: tf ${term.tf}, df ${term.df}, idf ${num(term.idf)}, norm ${num(term.lengthNorm)} → ${num(term.contribution)}`,
      );
    }
  }
  const f = e.fusion;
  if (f) {
    const parts = f.branches.map((b) =>
      b.rank === undefined
        ? `${b.branch}: not found`
        : `${b.branch} #${b.rank} (${num(b.score)}) → ${num(b.contribution)}`,
    );
    out.push(
      `fusion ${f.method}${f.rrfK === undefined ? '' : ` k ${f.rrfK}`}: ${parts.join(' + ')} = ${num(f.score)}`,
    );
  }
  for (const c of e.filter?.conditions ?? []) {
    out.push(`filter ${c.path} ${c.condition}: ${c.answeredBy}, ${c.holds ? 'holds' : 'does not hold'}`);
  }
  return out.map((l) => `  ${l}\n`).join('');
}
