"""FAISS factory indexes measured the way bench/ann/families/worker.ts measures Quiver's.

Run by bench/ann/families.ts as `/usr/bin/python3 faiss_factory_runner.py '<FamilyTask JSON>'`
(Debian's python3-faiss, FAISS 1.7.3; task and result formats in bench/ann/protocol.ts).

Index: `faiss.index_factory(d, factory, METRIC_L2)` with the same string Quiver is given
(PQ codings with FAISS's `np` suffix: no polysemous training, same search), except `LSH<bits>`, built as `IndexLSH(d, bits, rotate_data=True, train_thresholds=True)`
(random rotation, then one threshold per bit learnt as the median of the training data, so
uncentred data such as pixels do not give near-constant bits). HNSW: `hnsw.efConstruction`
as the task says (FAISS's default is 40). Training: `train` on every base row, FAISS
subsampling as it does by default (k-means: at most 256 points per centroid, 10 iterations
for an IVF quantizer). When some point re-ranks, the trained index is wrapped in
`IndexRefineFlat` before `add`, which then also keeps a float32 copy of every row.
Training and adding run with `omp_set_num_threads(threads)`.

Search: one thread, one query per `search` call from a Python loop. Per point: `nprobe` on
the IVF index, `efSearch` on the HNSW graph; with `k_factor` the refine wrapper is searched
(its base returns k * k_factor candidates, re-ranked exactly), without it the base index.
Memory: resident set size after loading and after the build; `serialize_index` lengths of
the base index (bytes per vector) and of the index searched with the largest effort.
"""

import json
import os
import re
import statistics
import sys
import time

import faiss
from faiss_runner import read_f32, rss_bytes, timed_passes
import numpy as np


def log(task, message):
    print(f"[families {task['dataset']} {task['factory']} faiss] {message}", file=sys.stderr, flush=True)


def faiss_factory(factory):
    """The string given to `index_factory`: PQ codings get FAISS's `np` suffix, which skips
    polysemous training (a code reordering for Hamming pre-filtering, unused by a plain
    search, that takes minutes); the index searched is the same."""
    return re.sub(r"(PQ\d+(?:x8)?)$", r"\1np", factory, flags=re.IGNORECASE)


def blas_library():
    """The BLAS FAISS's training runs on (Debian picks it with update-alternatives)."""
    return os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")


def make_index(d, factory, ef_construction):
    if factory.upper().startswith("LSH"):
        return faiss.IndexLSH(d, int(factory[3:]), True, True)
    index = faiss.index_factory(d, faiss_factory(factory), faiss.METRIC_L2)
    if factory.upper().startswith("HNSW"):
        faiss.downcast_index(index).hnsw.efConstruction = ef_construction
    return index


def searched_index(base, refine, params):
    """Applies a point's parameters; returns the index to search."""
    if "nprobe" in params:
        faiss.extract_index_ivf(base).nprobe = int(params["nprobe"])
    if "efSearch" in params:
        faiss.downcast_index(base).hnsw.efSearch = int(params["efSearch"])
    if "k_factor" in params:
        refine.k_factor = float(params["k_factor"])
        return refine
    return base


def main():
    task = json.loads(sys.argv[1])
    d, k = task["dimension"], task["k"]
    base_rows = read_f32(task["baseFile"], d)
    queries = read_f32(task["queriesFile"], d)
    n = base_rows.shape[0]
    rss_baseline = rss_bytes()

    log(task, f"building over {n} rows with {task['threads']} threads")
    faiss.omp_set_num_threads(task["threads"])
    base = make_index(d, task["factory"], task["efConstruction"])
    started = time.perf_counter()
    training_rows = 0
    if not base.is_trained:
        training_rows = n
        base.train(base_rows)
    train_seconds = time.perf_counter() - started
    refine = faiss.IndexRefineFlat(base) if task["refine"] else None
    started = time.perf_counter()
    (refine or base).add(base_rows)
    add_seconds = time.perf_counter() - started
    rss_after_build = rss_bytes()
    index_class = type(faiss.downcast_index(base)).__name__ + (" + IndexRefineFlat" if refine else "")
    log(
        task,
        f"built {index_class}: train {train_seconds:.1f} s, add {add_seconds:.1f} s, "
        f"RSS +{(rss_after_build - rss_baseline) / 2**20:.0f} MiB",
    )
    base_bytes = int(faiss.serialize_index(base).nbytes)
    index_bytes = int(faiss.serialize_index(refine).nbytes) if refine else base_bytes

    faiss.omp_set_num_threads(1)
    query_rows = [queries[i : i + 1] for i in range(queries.shape[0])]
    ids = np.full((len(task["points"]), len(query_rows), k), -1, dtype=np.int32)
    sweep = []
    for e, point in enumerate(task["points"]):
        entry = {"curve": point["curve"], "label": point["label"], "qps": []}
        try:
            index = searched_index(base, refine, point["params"])
            for q, query in enumerate(query_rows):
                _, found = index.search(query, k)
                ids[e, q] = found[0]
            entry["qps"] = timed_passes(index, query_rows, k, task)
            log(task, f"{point['curve']} · {point['label']}: median {statistics.median(entry['qps']):.0f} QPS")
        except (RuntimeError, ValueError) as error:
            ids[e] = -1
            entry["error"] = str(error)
            log(task, f"{point['curve']} · {point['label']}: failed: {error}")
        sweep.append(entry)

    ids.tofile(task["idsFile"])
    result = {
        "lib": task["lib"],
        "label": f"FAISS {faiss.__version__}",
        "factory": task["factory"],
        "indexClass": index_class,
        "threads": task["threads"],
        "trainingRows": training_rows,
        "trainSeconds": train_seconds,
        "addSeconds": add_seconds,
        "rssBaselineBytes": rss_baseline,
        "rssAfterBuildBytes": rss_after_build,
        "bytesPerVector": base_bytes / n,
        "indexBytes": index_bytes,
        "storeBytes": 0,
        "environment": f"index_factory string {faiss_factory(task['factory'])!r}; BLAS {blas_library()}",
        "sweep": sweep,
    }
    with open(task["resultFile"], "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
