/**
 * The HTTP wire format the client shares with the server, re-exported from
 * `src/wire/format.ts` (where both import it from) for code that imported it from here.
 */
export * from '../wire/format.js';
