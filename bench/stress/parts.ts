/**
 * The four stress parts by name, and `runPart`, which turns a part that throws (a server
 * that would not start, a connection lost during set-up) into a report with that violation,
 * so one broken part never hides the figures of the others.
 */
import { diskFull } from './disk-full.js';
import { dropRace } from './drop-race.js';
import { fuzz } from './fuzz.js';
import { killRounds } from './kill-rounds.js';
import type { StressPlan } from './plans.js';
import { type PartReport, StatusHistogram } from './report.js';

export const PARTS: Record<string, (plan: StressPlan) => Promise<PartReport>> = {
  kill: (plan) => killRounds(plan.kill),
  fuzz: (plan) => fuzz(plan.fuzz),
  race: (plan) => dropRace(plan.race),
  disk: (plan) => diskFull(plan.disk),
};

export async function runPart(name: string, plan: StressPlan): Promise<PartReport> {
  try {
    return await PARTS[name](plan);
  } catch (error) {
    return {
      part: name,
      summary: `The ${plan.name} run of part ${name} stopped early.`,
      figures: [],
      statuses: new StatusHistogram(),
      violations: [`the part threw: ${(error as Error).stack ?? error}`],
    };
  }
}
