/**
 * Layout of the control block through which a search worker and its pool exchange calls
 * without messages (see `kernel-worker.ts`): i32 words in a SharedArrayBuffer.
 */

/** Word offsets in the control block. */
export const Control = { STATE: 0, FN: 1, ARGC: 2, ARGS: 3, RESULT: 15, WORDS: 16 } as const;

/** Values of the state word: IDLE → (pool) CALL → (worker) DONE or FAILED → (pool) IDLE. */
export const State = { IDLE: 0, CALL: 1, DONE: 2, FAILED: 3 } as const;

/** Most arguments a call may pass through a control block. */
export const MAX_ARGS = Control.RESULT - Control.ARGS;

/** Kernel exports callable through a control block, by index. */
export const CALLABLE = ['searchTopK', 'hnswSearch', 'hnswInsertClaimed'] as const;
