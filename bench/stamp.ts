/**
 * Stamps a section of `docs/benchmarks.md` that is already there with the commit its numbers
 * were produced from, without rerunning it (run-all stamps the sections it produces itself).
 *
 * Usage: `node dist/bench/stamp.js <section> [--commit <rev>] [--accept-changes]`
 * - `--commit <rev>` (default HEAD): the commit whose code produced the numbers; the stamp
 *   records the hash of the section's inputs as they were in that commit.
 * - When the inputs changed since `<rev>`, the command lists the changed files and stops:
 *   rerun the section (the better choice), or, when it cannot be rerun now, pass
 *   `--accept-changes` to record the changed files in the section, visibly, so that the test
 *   passes until the next change. Uncommitted changes to the inputs must be committed first.
 *
 * Examples: `node dist/bench/stamp.js server-load` (results just produced from HEAD);
 * `node dist/bench/stamp.js ann --commit 3172d89 --accept-changes`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readSections, writeSections } from './doc-sections.js';
import {
  changedInputs,
  hashInputs,
  inputsAtCommit,
  parseStamp,
  repositoryRoot,
  resolveCommit,
  type Stamp,
  stampSection,
  workingTreeInputs,
} from './provenance.js';
import { rerunCommand, sectionSpec } from './sections.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    commit: { type: 'string', default: 'HEAD' },
    'accept-changes': { type: 'boolean', default: false },
  },
});
if (positionals.length !== 1) {
  throw new Error('usage: node dist/bench/stamp.js <section> [--commit <rev>] [--accept-changes]');
}
const spec = sectionSpec(positionals[0]);
const root = repositoryRoot();
const file = join(root, 'docs', 'benchmarks.md');
const text = readFileSync(file, 'utf8');
const sections = readSections(text);
const section = sections.get(spec.name);
if (section === undefined)
  throw new Error(`${file} has no '${spec.name}' section; run: ${rerunCommand(spec)}`);

const commit = resolveCommit(values.commit!, root);
const head = resolveCommit('HEAD', root);
const then = hashInputs(inputsAtCommit(spec, commit, root));
const now = hashInputs(workingTreeInputs(spec, root));
// A restamp of the same commit (after a change to the section's list of inputs) keeps the run's facts.
const previous = parseStamp(section);
let stamp: Stamp = {
  commit,
  inputs: then,
  ...(previous?.commit === commit && previous.run ? { run: previous.run } : {}),
};
if (then !== now) {
  const files = changedInputs(spec, commit, root);
  const list = files.map((f) => `  ${f}`).join('\n');
  if (!values['accept-changes']) {
    process.stderr.write(
      `[stamp] ${spec.name}: ${files.length} input files changed since ${commit.slice(0, 7)}:\n${list}\n` +
        `Rerun it (${rerunCommand(spec)}, about ${spec.minutes} min), or pass --accept-changes to record them in the section.\n`,
    );
    process.exit(1);
  }
  if (changedInputs(spec, head, root).length > 0) {
    throw new Error(
      `${spec.name}: commit the changes to its inputs first, so the stamp can name the commit they are in`,
    );
  }
  stamp = { ...stamp, changedSince: { commit: head, inputs: now, files } };
}
sections.set(spec.name, stampSection(section, spec, stamp));
writeFileSync(file, writeSections(text, sections));
process.stderr.write(
  `[stamp] ${spec.name}: stamped with commit ${commit.slice(0, 7)}${stamp.changedSince ? ` (${stamp.changedSince.files.length} files changed since, recorded)` : ''}\n`,
);
