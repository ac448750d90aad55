/**
 * Import progress on stderr: a cli-progress bar when stderr is a terminal, nothing otherwise
 * (logs and pipes get only the final summary line on stdout). The bar counts points when the
 * file states its row count (npy, fvecs) and bytes read otherwise (JSON Lines).
 */
import { Presets, SingleBar } from 'cli-progress';

export interface ImportProgress {
  /** Reports that `points` points are imported and `bytesRead` bytes of the file are consumed. */
  update(points: number, bytesRead: number): void;
  /** Completes the bar (leaves it on screen). Safe to call more than once. */
  stop(): void;
}

/**
 * Starts a progress display for a file of `rows` rows (when known) and `bytes` bytes; `verb`
 * heads the bar (`exporting` for `quiver export`).
 */
export function startProgress(rows: number | undefined, bytes: number, verb = 'importing'): ImportProgress {
  const countsRows = rows !== undefined;
  const total = countsRows ? rows : bytes;
  if (!process.stderr.isTTY || total === 0) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar(
    {
      stream: process.stderr,
      etaBuffer: 50,
      format: countsRows
        ? `${verb} {bar} {percentage}% | {value}/{total} points | {eta_formatted} left`
        : `${verb} {bar} {percentage}% | {points} points | {eta_formatted} left`,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, { points: 0 });
  let stopped = false;
  return {
    update: (points, bytesRead) => bar.update(countsRows ? points : bytesRead, { points }),
    stop: () => {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}
