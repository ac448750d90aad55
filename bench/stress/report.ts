/**
 * What a stress part reports: its figures (rounds, operations, points checked, losses), a
 * histogram of the HTTP statuses it saw per operation, and its violations. A part passes
 * when it has no violation; a part that cannot run here says why in `skipped` (never a
 * silent pass). Printed as Markdown, so the full run's output goes into docs/reliability.md
 * as it is.
 */

export interface PartReport {
  part: string;
  /** One line on what was done, with its parameters. */
  summary: string;
  figures: [string, string | number][];
  statuses: StatusHistogram;
  /** Every broken promise, one line each; empty when the part passed. */
  violations: string[];
  /** Why the part did not run here (then it has no figures and no violations). */
  skipped?: string;
}

/** Counts of `(operation, status)` pairs; a status is an HTTP code or a word (`reset`). */
export class StatusHistogram {
  private readonly counts = new Map<string, Map<string, number>>();

  add(operation: string, status: number | string): void {
    let byStatus = this.counts.get(operation);
    if (!byStatus) this.counts.set(operation, (byStatus = new Map()));
    const key = String(status);
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }

  /** How many responses had `status` (over every operation when none is named). */
  count(status: number | string, operation?: string): number {
    let n = 0;
    for (const [op, byStatus] of this.counts) {
      if (operation === undefined || op === operation) n += byStatus.get(String(status)) ?? 0;
    }
    return n;
  }

  /** How many responses were server errors (5xx). */
  get serverErrors(): number {
    let n = 0;
    for (const byStatus of this.counts.values()) {
      for (const [status, c] of byStatus) if (/^5\d\d$/.test(status)) n += c;
    }
    return n;
  }

  get total(): number {
    let n = 0;
    for (const byStatus of this.counts.values()) for (const c of byStatus.values()) n += c;
    return n;
  }

  /** Rows `[operation, "200: 812, 404: 31"]`, operations and statuses sorted. */
  rows(): [string, string][] {
    return [...this.counts.keys()].sort().map((op) => {
      const byStatus = this.counts.get(op)!;
      const cells = [...byStatus.keys()].sort().map((s) => `${s}: ${byStatus.get(s)!.toLocaleString('en')}`);
      return [op, cells.join(', ')];
    });
  }
}

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) =>
    (typeof v === 'number' ? v.toLocaleString('en') : v).replaceAll('|', '\\|');
  const lines = [header, header.map(() => '---'), ...rows.map((r) => r.map(cell))];
  return `${lines.map((l) => `| ${l.join(' | ')} |`).join('\n')}\n`;
}

/** How many violations are listed in full; the rest are counted. */
const LISTED_VIOLATIONS = 20;

export function formatReport(report: PartReport): string {
  const out = [`### ${report.part}\n`, `${report.summary}\n`];
  if (report.skipped !== undefined) {
    out.push(`Skipped: ${report.skipped}\n`);
    return out.join('\n');
  }
  out.push(markdownTable(['figure', 'value'], [...report.figures, ['violations', report.violations.length]]));
  if (report.statuses.total > 0) out.push(markdownTable(['operation', 'statuses'], report.statuses.rows()));
  if (report.violations.length > 0) {
    const listed = report.violations.slice(0, LISTED_VIOLATIONS).map((v) => `- ${v}`);
    if (report.violations.length > LISTED_VIOLATIONS) {
      listed.push(`- … and ${report.violations.length - LISTED_VIOLATIONS} more`);
    }
    out.push(`Violations:\n\n${listed.join('\n')}\n`);
  }
  return out.join('\n');
}
