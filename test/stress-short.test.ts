/**
 * The short stress run (`npm run stress -- --short`), one test per part, against `quiver
 * serve` child processes on loopback: 3 SIGKILL rounds under 4 writers, 300 malformed
 * requests from `/openapi.json`, 2 rounds of the drop/create/flush race with issue 14's
 * reproduction, and the disk-full run on a tmpfs (skipped, with the reason, where a tmpfs
 * cannot be mounted). Seeds are fixed (bench/stress/plans.ts). Each test fails with the
 * part's report, violations listed, so the failure says what broke.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPart } from '../bench/stress/parts.js';
import { SHORT } from '../bench/stress/plans.js';
import { formatReport } from '../bench/stress/report.js';

const NAMES: Record<string, string> = {
  kill: `${SHORT.kill.rounds} SIGKILL rounds under ${SHORT.kill.writers} writers lose no acknowledged write`,
  fuzz: `${SHORT.fuzz.requests} malformed requests from /openapi.json: no 5xx, one error shape, invalid UTF-8 refused, the server stays usable`,
  race: `${SHORT.race.rounds} rounds of the drop/create/flush race: no 5xx, no orphan rows or folders after a restart`,
  disk: 'a full disk answers 507 STORAGE_FULL, reads keep working, nothing acknowledged is lost',
};

for (const [part, name] of Object.entries(NAMES)) {
  test(`stress (short): ${name}`, async (t) => {
    const report = await runPart(part, SHORT);
    if (report.skipped !== undefined) {
      t.skip(report.skipped);
      return;
    }
    assert.equal(report.violations.length, 0, formatReport(report));
    assert.ok(report.statuses.total > 0, 'requests were made');
  });
}
