/**
 * `npm run stress [-- --short|--full] [kill] [fuzz] [race] [disk]`: the stress runs against
 * `quiver serve` on loopback, bounded and seeded. Prints each part's figures as Markdown as
 * soon as it is done and exits 1 when any part has a violation. `--full` (the default) is
 * the run whose figures docs/reliability.md keeps (four to ten minutes on two cores,
 * depending on load); `--short` is what `npm test` runs (test/stress-short.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { PARTS, runPart } from './parts.js';
import { FULL, SHORT } from './plans.js';
import { formatReport, markdownTable } from './report.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => !['--short', '--full'].includes(a) && !(a in PARTS));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown argument ${unknown[0]}; use --short|--full and any of ${Object.keys(PARTS).join(', ')}\n`,
  );
  process.exit(2);
}
const plan = args.includes('--short') ? SHORT : FULL;
const chosen = args.filter((a) => a in PARTS);
const names = chosen.length > 0 ? chosen : Object.keys(PARTS);

process.stdout.write(`${header(plan.name)}\n`);
const failed: string[] = [];
const skipped: string[] = [];
const started = Date.now();
for (const name of names) {
  const t0 = Date.now();
  const report = await runPart(name, plan);
  process.stdout.write(`${formatReport(report)}\n(${((Date.now() - t0) / 1000).toFixed(0)} s)\n\n`);
  if (report.violations.length > 0) failed.push(name);
  if (report.skipped !== undefined) skipped.push(`${name} (${report.skipped})`);
}
const passed = names.length - failed.length - skipped.length;
process.stdout.write(
  `${plan.name} stress run in ${((Date.now() - started) / 1000).toFixed(0)} s: ${passed} passed` +
    (failed.length > 0 ? `, failed: ${failed.join(', ')}` : '') +
    (skipped.length > 0 ? `, skipped: ${skipped.join(', ')}` : '') +
    '\n',
);
process.exit(failed.length > 0 ? 1 : 0);

/** The command, commit, date and machine, as a Markdown table, so the output can be kept as it is. */
function header(planName: string): string {
  const git = (...a: string[]) => {
    try {
      return execFileSync('git', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
  const dirty =
    git('status', '--porcelain', '--untracked-files=no') === '' ? '' : ' (with uncommitted changes)';
  const rows = [
    ['command', `\`npm run stress -- --${planName}${chosen.length > 0 ? ` ${chosen.join(' ')}` : ''}\``],
    ['commit', commit + dirty],
    ['date', new Date().toISOString()],
    [
      'machine',
      `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node.js ${process.version}`,
    ],
  ];
  return markdownTable(['', ''], rows);
}
