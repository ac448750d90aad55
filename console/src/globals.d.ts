/** The map worker's bundle path, relative to the page (set by scripts/build-console.mjs). */
declare const __MAP_WORKER__: string;
