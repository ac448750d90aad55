/**
 * The child-process half of the SIGKILL crash tests. A writer script (`test/fixtures/
 * *-writer.js`) runs in its own Node process and reports what it has done on stdout, a line
 * per event (`ack 12`, `seal`, `sealed`, `start`, …); the test reads the lines as they come
 * and kills the child with SIGKILL at a moment it chooses from them.
 *
 * Invariants: `onLine` sees every complete line the child wrote before it died, in order
 * (lines that arrive after the kill was asked for included); the promise resolves only when
 * the child died of SIGKILL, and any other end — the writer throwing, exiting, or never
 * being killed — rejects with its exit code and stderr, so a broken writer cannot pass for a
 * crash. The kill happens once, whatever number of times it is asked for.
 */
import { spawn } from 'node:child_process';

/** What `onLine` may do to the child. */
export interface CrashChild {
  /**
   * SIGKILL: at once without `delayMs`, else from a timer `delayMs` later (so with 0, after
   * the lines already received); `atKill` runs just before the signal is sent.
   */
  kill(delayMs?: number, atKill?: () => void): void;
}

/** Runs `node script ...args` and calls `onLine` for each line of its stdout until it is killed. */
export function runUntilKilled(
  script: string,
  args: readonly string[],
  onLine: (line: string, child: CrashChild) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let asked = false;
    const child: CrashChild = {
      kill(delayMs, atKill) {
        if (asked) return;
        asked = true;
        const send = () => {
          atKill?.();
          proc.kill('SIGKILL');
        };
        if (delayMs === undefined) send();
        else setTimeout(send, delayMs);
      },
    };
    let buffer = '';
    let stderr = '';
    proc.stderr.on('data', (d) => {
      stderr += d;
    });
    proc.stdout.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) onLine(line, child);
    });
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`${script} exited with ${code ?? signal}: ${stderr}`));
    });
  });
}

/**
 * Writers that print `ack <n>` after each acknowledged step (a generation of updates): kills
 * the child `delayMs` after the `afterAcks`-th ack; resolves with the last `n` acknowledged
 * (-1 when none was).
 */
export async function killAfterAcks(
  script: string,
  args: readonly string[],
  afterAcks: number,
  delayMs: number,
): Promise<number> {
  let acked = -1;
  let acks = 0;
  await runUntilKilled(script, args, (line, child) => {
    const m = /^ack (\d+)$/.exec(line);
    if (m === null) return;
    acked = Number(m[1]);
    if (++acks === afterAcks) child.kill(delayMs);
  });
  return acked;
}

/**
 * Writers that print `ack <batch>` after each acknowledged batch and `seal` / `sealed` around
 * each flush: kills the child `delayMs` after its `seals`-th seal starts; resolves with the
 * batches acknowledged and whether that seal was still running when the signal was sent.
 */
export async function killDuringSeal(
  script: string,
  args: readonly string[],
  seals: number,
  delayMs: number,
): Promise<{ acked: number[]; duringSeal: boolean }> {
  const acked: number[] = [];
  let started = 0;
  let sealing = false;
  let duringSeal = false;
  await runUntilKilled(script, args, (line, child) => {
    const m = /^ack (\d+)$/.exec(line);
    if (m !== null) acked.push(Number(m[1]));
    else if (line === 'sealed') sealing = false;
    else if (line === 'seal') {
      sealing = true;
      if (++started === seals)
        child.kill(delayMs, () => {
          duringSeal = sealing;
        });
    }
  });
  return { acked, duringSeal };
}
