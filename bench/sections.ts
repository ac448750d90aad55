/**
 * The sections of `docs/benchmarks.md`: for each, the script that prints it, the command that
 * reruns it, and its inputs — the files whose content its numbers depend on.
 *
 * What counts as an input (the rule `docs/benchmarks.md`'s preface states):
 * - every bench file the section runs: its script, the bench files that script imports or
 *   spawns, and the data readers; `test/bench-provenance.test.ts` checks that every relative
 *   import of a listed bench file lands inside the section's inputs;
 * - the `src/` folders the section measures, whole: a folder it imports from directly, and
 *   the folders its hot path runs through (a collection's search runs through `src/db/`,
 *   `src/segment/`, `src/index/` and `src/kernels/`; loading it through `src/storage/`);
 *   `assembly/` (the wasm kernels' source) with `src/kernels/`; a single `src/` file a bench
 *   file imports from outside those folders (`src/index.ts`, the package's entry) by itself.
 * Not inputs: the `src/` folders a section does not exercise (the server, the CLI, the
 * client, text search, embedding providers for the search sections), and the versions of
 * peer libraries in `package-lock.json` (the tables name them). Hashing all of `src/` would
 * make every change stale every section; hashing only the bench script would miss changes
 * to the engine it measures.
 *
 * An input ending in `/` is a folder (every file under it); `exclude` removes files, and
 * files under folders (ending in `/`), from the folder inputs.
 */

/** One section of `docs/benchmarks.md`. */
export interface SectionSpec {
  /** The section's name: `<!-- section: NAME -->` in the document, and run-all's argument. */
  name: string;
  /** The script under `dist/bench/` that prints the section's Markdown on stdout. */
  script: string;
  /** Roughly how long a run takes on the reference machine (minutes), said in staleness messages. */
  minutes: number;
  /** Repository-relative files, and folders ending in `/`. */
  inputs: readonly string[];
  /** Files, and folders ending in `/`, left out of the folder inputs. */
  exclude?: readonly string[];
}

/** The search engine under a collection: what its searches and seals run through. */
const COLLECTION_ENGINE = [
  'src/db/',
  'src/segment/',
  'src/index/',
  'src/kernels/',
  'src/storage/',
  'assembly/',
];

/**
 * What the sections timing a collection against its raw index or its peers read: the data
 * sets of `collection-overhead-data.ts` (built on the ann data sets and the GloVe-format word
 * vectors), the engine, and the evaluation helpers.
 */
const COLLECTION_OVERHEAD_DATA = [
  'bench/collection-overhead-data.ts',
  'bench/ann/datasets.ts',
  'bench/ann/libs/library.ts',
  'bench/ann/measure.ts',
  'bench/ann/paths.ts',
  'bench/ann/protocol.ts',
  'bench/data/',
  ...COLLECTION_ENGINE,
  'src/embed/glove-vectors.ts',
  'src/eval/',
];

/** In the order of a full run and of the document. */
export const SECTIONS: readonly SectionSpec[] = [
  {
    name: 'exact-search',
    script: 'exact-search.js',
    minutes: 5,
    inputs: [
      'bench/exact-search.ts',
      'bench/prerequisites.ts',
      'bench/data/',
      ...COLLECTION_ENGINE,
      'src/eval/',
    ],
  },
  {
    name: 'ingest',
    script: 'ingest.js',
    minutes: 3,
    inputs: ['bench/ingest.ts', ...COLLECTION_ENGINE, 'src/payload/', 'src/eval/'],
  },
  {
    name: 'encryption',
    script: 'encryption.js',
    minutes: 3,
    inputs: ['bench/encryption.ts', ...COLLECTION_ENGINE, 'src/payload/', 'src/eval/'],
  },
  {
    name: 'kernels',
    script: 'kernels.js',
    minutes: 2,
    inputs: [
      'bench/kernels.ts',
      'bench/prerequisites.ts',
      'bench/data/fashion-mnist.ts',
      'src/kernels/',
      'assembly/',
      'src/eval/',
    ],
  },
  {
    name: 'ann',
    script: 'ann/run.js',
    minutes: 60,
    inputs: [
      'bench/ann/',
      'bench/prerequisites.ts',
      'bench/data/',
      'src/index/',
      'src/kernels/',
      'assembly/',
      'src/eval/',
    ],
    // ann-families' own files: its script, its children, its FAISS runner.
    exclude: [
      'bench/ann/families/',
      'bench/ann/families.ts',
      'bench/ann/libs/quiver-factory.ts',
      'bench/ann/faiss_factory_runner.py',
      // The collection-vs-peers section's (also `npm run bench:interleaved`).
      'bench/ann/interleaved.ts',
    ],
  },
  {
    name: 'ann-families',
    script: 'ann/families.js',
    minutes: 65,
    inputs: [
      'bench/ann/',
      'bench/prerequisites.ts',
      'bench/data/',
      'src/index/',
      'src/kernels/',
      'assembly/',
      'src/eval/',
    ],
    // ann's own files: its script, its children, the peer libraries, its FAISS runner.
    exclude: [
      'bench/ann/run.ts',
      'bench/ann/worker.ts',
      'bench/ann/libs/registry.ts',
      'bench/ann/libs/quiver.ts',
      'bench/ann/libs/hnswlib.ts',
      'bench/ann/libs/usearch.ts',
      'bench/ann/faiss_runner.py',
      'bench/ann/interleaved.ts',
    ],
  },
  {
    name: 'filtered-search',
    script: 'filtered-search.js',
    minutes: 15,
    inputs: [
      'bench/filtered-search.ts',
      'bench/filtered/',
      'bench/ann/datasets.ts',
      'bench/ann/libs/library.ts',
      'bench/ann/measure.ts',
      'bench/ann/paths.ts',
      'bench/ann/protocol.ts',
      'bench/ann/report.ts',
      'bench/data/',
      ...COLLECTION_ENGINE,
      'src/payload/',
      'src/eval/',
    ],
  },
  {
    name: 'collection-overhead',
    script: 'collection-overhead.js',
    minutes: 12,
    inputs: [
      'bench/collection-overhead.ts',
      'bench/collection-overhead-child.ts',
      ...COLLECTION_OVERHEAD_DATA,
    ],
  },
  {
    name: 'collection-vs-peers',
    script: 'collection-vs-peers.js',
    minutes: 65,
    inputs: ['bench/collection-vs-peers.ts', 'bench/ann/interleaved.ts', ...COLLECTION_OVERHEAD_DATA],
  },
  {
    // Hours on two cores (builds of 10M × 128 and 2M × 768): resumable with `--keep DIR`,
    // and `--cases` names the cases whose kept results the section shows.
    name: 'scale',
    script: 'scale.js',
    minutes: 600,
    inputs: [
      'bench/scale.ts',
      'bench/scale/',
      'bench/ann/measure.ts',
      'bench/ann/libs/library.ts',
      'bench/ann/paths.ts',
      ...COLLECTION_ENGINE,
      'src/eval/',
    ],
  },
  {
    name: 'server-load',
    script: 'server-load.js',
    minutes: 5,
    inputs: [
      'bench/server-load.ts',
      'bench/server/',
      'test/support/classical-photos.ts',
      'src/server/',
      'src/client/',
      ...COLLECTION_ENGINE,
      'src/payload/',
      'src/embed/',
      'src/eval/',
    ],
  },
  {
    name: 'cluster',
    script: 'cluster.js',
    minutes: 6,
    inputs: [
      'bench/cluster.ts',
      'bench/server/http-load.ts',
      'test/support/cluster-nodes.ts',
      'test/support/postgres.ts',
      'test/support/s3.ts',
      'test/support/reference.ts',
      'src/cluster/',
      'src/server/',
      'src/client/',
      'src/cli/',
      'src/wire/',
      ...COLLECTION_ENGINE,
      'src/payload/',
      'src/eval/',
    ],
  },
  {
    name: 'embed-precision',
    script: 'embed-precision.js',
    minutes: 1,
    inputs: [
      'bench/embed-precision.ts',
      'bench/embed/',
      'bench/ann/paths.ts',
      'bench/data/',
      'src/embed/',
      'src/eval/',
      'src/index/',
      'src/kernels/',
      'assembly/',
    ],
    exclude: ['bench/embed/throughput-child.ts', 'bench/embed/throughput-inputs.ts'],
  },
  {
    name: 'embed-throughput',
    script: 'embed-throughput.js',
    minutes: 4,
    inputs: [
      'bench/embed-throughput.ts',
      'bench/embed/',
      'bench/ann/measure.ts',
      'bench/ann/libs/library.ts',
      'bench/ann/paths.ts',
      'bench/data/',
      'examples/support/sotu-corpus.ts',
      'src/index.ts',
      'src/embed/',
      ...COLLECTION_ENGINE,
      'src/eval/',
    ],
  },
  {
    name: 'recommend',
    script: '../examples/recommend-section.js',
    minutes: 2,
    inputs: [
      'examples/recommend-section.ts',
      'examples/support/recommend-data.ts',
      'examples/support/recommend-eval.ts',
      'examples/support/recommend-plot.ts',
      'examples/support/recommend-report.ts',
      'bench/data/fashion-mnist.ts',
      ...COLLECTION_ENGINE,
      'src/payload/',
      'src/eval/',
      'src/text/fusion.ts',
      'src/index.ts',
    ],
  },
  {
    name: 'speech',
    script: '../examples/speech-section.js',
    minutes: 4,
    inputs: [
      'examples/speech-section.ts',
      'examples/support/speech-collection.ts',
      'examples/support/speech-corpus.ts',
      'examples/support/speech-dtw.ts',
      'examples/support/speech-eval.ts',
      'examples/support/speech-report.ts',
      'examples/support/speech-svg.ts',
      'bench/ann/paths.ts',
      'src/embed/',
      ...COLLECTION_ENGINE,
      'src/payload/',
      'src/eval/',
      'src/index.ts',
    ],
  },
  {
    name: 'kg',
    script: 'kg.js',
    minutes: 6,
    inputs: [
      'bench/kg.ts',
      'bench/ann/paths.ts',
      'examples/support/kg-collection.ts',
      'examples/support/kg-eval.ts',
      'examples/support/kg-experiment.ts',
      'examples/support/kg-report.ts',
      'examples/support/kg-svg.ts',
      'examples/support/kg-transe.ts',
      'examples/support/kg-wordnet.ts',
      'src/index.ts',
      ...COLLECTION_ENGINE,
      'src/payload/',
      'src/eval/',
    ],
  },
];

/** The spec named `name`. @throws Error listing the known names when there is none. */
export function sectionSpec(name: string): SectionSpec {
  const spec = SECTIONS.find((s) => s.name === name);
  if (!spec)
    throw new Error(`unknown section '${name}'; expected one of ${SECTIONS.map((s) => s.name).join(', ')}`);
  return spec;
}

/** The command that reruns one section and rewrites it in `docs/benchmarks.md`. */
export function rerunCommand(spec: SectionSpec): string {
  return `npm run build && node dist/bench/run-all.js ${spec.name}`;
}
