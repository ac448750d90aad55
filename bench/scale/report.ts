/**
 * The Markdown of the scale section: one table per case, Quiver beside hnswlib-node where
 * the case has a peer, and the issue's targets checked against the numbers.
 */
import { EF_CONSTRUCTION, K, M, type ScaleCase, TARGET_RECALL } from './cases.js';
import { qpsAtTarget, type SweepPoint } from './sweep.js';

export interface CaseResult {
  spec: ScaleCase;
  recipe: string;
  quiver: Record<string, unknown>;
  peer?: Record<string, unknown>;
}

const GiB = 2 ** 30;
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const fmt = (v: number | undefined, digits = 0, unit = '') =>
  v === undefined
    ? '—'
    : `${v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })}${unit}`;

function qps(r: Record<string, unknown> | undefined): number | undefined {
  const points = r?.points as SweepPoint[] | undefined;
  return points === undefined ? undefined : qpsAtTarget(points);
}

function row(label: string, q: string, p: string | undefined): string {
  return p === undefined ? `| ${label} | ${q} |` : `| ${label} | ${q} | ${p} |`;
}

function caseTable(r: CaseResult, all: readonly CaseResult[]): string[] {
  const q = r.quiver;
  const p = r.peer;
  const lines = [`### ${r.spec.title}`, ''];
  if (typeof q.error === 'string') lines.push(`Quiver did not finish: \`${q.error}\``, '');
  if (p && typeof p.error === 'string') lines.push(`hnswlib-node did not finish: \`${p.error}\``, '');
  lines.push(p ? '| | Quiver | hnswlib-node |' : '| | Quiver |', p ? '|---|---:|---:|' : '|---|---:|');
  const ingest =
    num(q.ingested) !== undefined && num(q.ingestSeconds)
      ? num(q.ingested)! / num(q.ingestSeconds)!
      : undefined;
  lines.push(row('ingest (vectors/s)', fmt(ingest), p ? '—' : undefined));
  lines.push(row('build (s)', fmt(num(q.buildSeconds)), p ? fmt(num(p.buildSeconds)) : undefined));
  lines.push(
    row(
      'RSS (GiB)',
      fmt(num(q.rssBytes) && num(q.rssBytes)! / GiB, 2),
      p ? fmt(num(p.rssBytes) && num(p.rssBytes)! / GiB, 2) : undefined,
    ),
  );
  lines.push(
    row('bytes on disk (GiB)', fmt(num(q.diskBytes) && num(q.diskBytes)! / GiB, 2), p ? '—' : undefined),
  );
  lines.push(row('open (s)', fmt(num(q.openSeconds), 2), p ? '—' : undefined));
  lines.push(row('load (s)', fmt(num(q.loadSeconds), 1), p ? fmt(num(p.loadSeconds), 1) : undefined));
  // The disk's read speed: `dd` of every file loading reads, one after the other, the cache
  // dropped (see the section's introduction for why not the largest file alone).
  const mbps = (v: unknown) => fmt(num(v) && num(v)! / 1e6, 0);
  const ratio = (of: unknown) =>
    num(q.loadSpeed) !== undefined && num(of) ? fmt((num(q.loadSpeed)! / num(of)!) * 100, 0, '%') : '—';
  lines.push(
    row(
      'load speed ÷ disk read speed (`dd` of every file it reads; target ≥ 70%)',
      ratio(q.readSpeedAll),
      p ? '—' : undefined,
    ),
  );
  const rounds = Array.isArray(q.loadRounds) ? (q.loadRounds as Record<string, unknown>[]) : [];
  if (rounds.length > 1) {
    const shares = rounds.map((r) => fmt((num(r.loadSpeed)! / num(r.readSpeedAll)!) * 100, 0, '%'));
    const seconds = rounds.map((r) => fmt(num(r.loadSeconds), 1));
    lines.push(
      row(
        `the ${rounds.length} load rounds (median shown): load ÷ \`dd\` of every file; load s`,
        `${shares.join(', ')}; ${seconds.join(', ')}`,
        p ? '—' : undefined,
      ),
    );
  }
  lines.push(
    row(
      'load speed, disk read speed (MB/s)',
      `${mbps(q.loadSpeed)}, ${mbps(q.readSpeedAll)}`,
      p ? '—' : undefined,
    ),
  );
  lines.push(
    row(
      'load speed ÷ `dd` of the largest segment file alone (MB/s of that `dd`)',
      `${ratio(q.readSpeed)} (${mbps(q.readSpeed)})`,
      p ? '—' : undefined,
    ),
  );
  if (num(q.loadAverage) !== undefined)
    lines.push(
      row('machine load average (1 min) at the load', fmt(num(q.loadAverage), 1), p ? '—' : undefined),
    );
  lines.push(row(`QPS at recall@${K} ${TARGET_RECALL}`, fmt(qps(q)), p ? fmt(qps(p)) : undefined));
  lines.push('');
  if (p && qps(q) !== undefined && qps(p) !== undefined) {
    const rss = num(q.rssBytes)! / num(p.rssBytes)!;
    lines.push(
      `Quiver ÷ hnswlib-node: QPS ${(qps(q)! / qps(p)!).toFixed(2)}× (target ≥ 1.0×), RSS ${rss.toFixed(2)}× (target ≤ 1.1×).`,
      '',
    );
  }
  const base = all.find((b) => b.spec.name === r.spec.baseline);
  if (base && qps(q) !== undefined && qps(base.quiver) !== undefined) {
    const rss = num(q.rssBytes)! / num(base.quiver.rssBytes)!;
    lines.push(
      `÷ the in-memory case: RSS ${rss.toFixed(2)}× (target ≤ 0.35×), QPS ${(qps(q)! / qps(base.quiver)!).toFixed(2)}× (target ≥ 0.5×).`,
      '',
    );
  }
  const sweepRows = (q.points as SweepPoint[] | undefined) ?? [];
  if (sweepRows.length > 0) {
    lines.push(
      `Quiver's sweep: ${sweepRows.map((s) => `ef ${s.ef} → ${s.recall.toFixed(3)} @ ${s.qps.toFixed(0)} QPS`).join('; ')}.`,
      '',
    );
  }
  const handed = Object.entries((q.workerCalls as Record<string, number> | undefined) ?? {}).filter(
    ([, calls]) => calls > 0,
  );
  if (q.workerCalls !== undefined) {
    lines.push(
      handed.length === 0
        ? 'Every search of the sweep ran on the calling thread (no segment search went to a worker).'
        : `Segment searches handed to the search workers (in parallel, so not single-threaded): ${handed.map(([ef, calls]) => `ef ${ef}: ${calls}`).join('; ')}.`,
      '',
    );
  }
  lines.push(`Run: ${String(q.started ?? '—')} to ${String(q.finished ?? '—')}.`, '');
  return lines;
}

export function renderScale(
  results: readonly CaseResult[],
  run: { machine: string; command: string; queryCount: number; notShown?: readonly string[] },
): string {
  const lines = [
    '## Scale: data sizes beyond one wasm memory',
    '',
    `Command: \`${run.command}\` (resumable with \`--keep DIR\`). Machine: ${run.machine}. HNSW M=${M}, ` +
      `efConstruction=${EF_CONSTRUCTION}, k=${K}, ${run.queryCount} queries, one query at a time on one thread ` +
      `(Quiver's segment searches all on the calling thread, one after the other: \`SearchPlacement.mode = 'here'\`; ` +
      `\`onDisk\` cases re-rank 2·k candidates per segment with the vectors read from the file, \`rerank: ${2 * K}\`; ` +
      `median of timed passes), both cores for builds. Data: ${results[0]?.recipe ?? '—'}.`,
    '',
    '**Open** is `Quiver.open` + `listCollections` + `info()`; **load** is from the open until `loaded()` ' +
      'resolves, with the page cache dropped first (`drop_caches`). The **disk read speed** it is compared with is ' +
      '`dd` (16 MiB blocks) of every file loading reads (segment, index and partition files of 1 MiB or more), one ' +
      'after the other, the cache dropped before: the same bytes as the load. `dd` of the largest segment file alone ' +
      'is shown too, but this virtual disk is cached by its host: the file the benchmark reads most (that one, ' +
      'read by every run) comes back at about 2 GB/s right after `drop_caches`, others at 0.6–0.8 GB/s in the same minute, ' +
      'and the same file read twice a minute apart by `dd` ran at 0.55 and 2.1 GB/s. So the load is timed in ' +
      'several rounds (`--load-rounds`, 5 by default), each in a fresh process with its own `dd`s, alternately ' +
      'before and after the load; the table shows the median round by load ÷ `dd` of every file, and lists every round. ' +
      'Loading reads segment and index files direct (`O_DIRECT`) into the memory they live in: with reads ' +
      'through the page cache, `perf` of a 10M load showed the kernel zeroing fresh pages and copying from the ' +
      'page cache for most of both cores (`clear_page_erms` 33%, `_copy_to_iter` 22% of the samples; 17–22 s of ' +
      'kernel time, 4–5 s with direct reads). In rounds where the host serves the files at 1.6 GB/s or more, the ' +
      'load runs below the disk (35–50% at 10M × 128, 58–70% at 768-d, 85% at 1536-d): it is then bound by its own ' +
      'work on the two vCPUs. `perf` of a 10M load with direct reads: the kernel zeroing the fresh pages the data ' +
      "lands in (`clear_page_erms`, 27% of all samples; this VM's first touch of memory runs at about 2.2 GB/s per " +
      'core, 0.45 s per GiB in a plain loop), CRC-32 (zlib, 3.4 GB/s per core), the level-0 graph checks (wasm, ' +
      '0.7–0.95 s per worker; 2 s in JavaScript before) and the id table: 6.4 s user and 8.2 s system time for ' +
      '6.17 GB in one load, so on these two cores a 10M load takes 6–8 s (0.8–1.0 GB/s) however fast the ' +
      'disk. At 1M × 128 (0.66 GB in 0.8–0.9 s) the cores are 43% idle: the load waits for the disk, which gets 4 ' +
      "reads at a time (Node's thread pool; with `UV_THREADPOOL_SIZE=8`, direct reads of that segment file ran " +
      '5–15% faster), and for the tail after the last read (the last checksums, then the index file, read after ' +
      'the segment file).',
    '',
  ];
  if (run.notShown && run.notShown.length > 0) {
    lines.push(
      `Cases not in this section yet (their builds take hours; the run resumes where it stopped): ${run.notShown.join('; ')}.`,
      '',
    );
  }
  for (const r of results) lines.push(...caseTable(r, results));
  return lines.join('\n').trimEnd();
}
