/**
 * How much each stress part does: `SHORT` runs in `npm test` (under a minute in all),
 * `FULL` is the run whose figures docs/reliability.md keeps (four to ten minutes on two
 * cores, depending on load). Seeds are fixed, so runs make the same requests except where
 * concurrency decides: which writer's request lands first, where a SIGKILL falls.
 */
import type { DiskFullOptions } from './disk-full.js';
import type { DropRaceOptions } from './drop-race.js';
import type { FuzzOptions } from './fuzz.js';
import type { KillRoundsOptions } from './kill-rounds.js';

export interface StressPlan {
  name: string;
  kill: KillRoundsOptions;
  fuzz: FuzzOptions;
  race: DropRaceOptions;
  disk: DiskFullOptions;
}

export const SHORT: StressPlan = {
  name: 'short',
  kill: { rounds: 3, writers: 4, maxAcks: 30, seed: 14 },
  fuzz: { requests: 300, seed: 14 },
  race: { rounds: 2, clients: 20, opsPerClient: 10, reproductions: 2, seed: 14 },
  disk: { rounds: 1, seed: 14 },
};

export const FULL: StressPlan = {
  name: 'full',
  kill: { rounds: 35, writers: 4, maxAcks: 120, seed: 2026 },
  fuzz: { requests: 8000, seed: 2026 },
  race: { rounds: 6, clients: 20, opsPerClient: 60, reproductions: 10, seed: 2026 },
  disk: { rounds: 2, seed: 2026 },
};
