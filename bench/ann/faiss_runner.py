"""FAISS HNSW measured the way bench/ann/worker.ts measures the Node libraries.

Run by bench/ann/run.ts as `/usr/bin/python3 faiss_runner.py '<task JSON>'` (Debian's
python3-faiss, FAISS 1.7.3; the task and result formats are in bench/ann/protocol.ts).

Index: `IndexHNSWFlat(d, M)` (squared L2), `hnsw.efConstruction = efConstruction`, built by
one `add` of every row with `omp_set_num_threads(threads)`. Search: one thread
(`omp_set_num_threads(1)`), `hnsw.efSearch = ef`, one query per `search` call from a Python
loop, as ann-benchmarks runs it. Memory: the resident set size (from /proc/self/statm)
after loading the data and after the build; the library's size report is the length of
`serialize_index`.
"""

import json
import os
import statistics
import sys
import time

import faiss
import numpy as np


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def read_f32(path, dimension):
    rows = np.fromfile(path, dtype=np.float32)
    if rows.size % dimension:
        raise ValueError(f"{path}: {rows.size} floats is not a multiple of {dimension}")
    return rows.reshape(-1, dimension)


def timed_passes(index, query_rows, k, task):
    """QPS of timed passes over all queries, one `search` call per query, repeated until
    both `task["minRepeats"]` passes and `task["minSeconds"]` seconds are reached, or (when
    the task has `maxSeconds`) one pass was made and `maxSeconds` have passed."""
    qps = []
    started = time.perf_counter()
    max_seconds = task.get("maxSeconds")

    def more():
        elapsed = time.perf_counter() - started
        if qps and max_seconds is not None and elapsed >= max_seconds:
            return False
        return len(qps) < task["minRepeats"] or elapsed < task["minSeconds"]

    while more():
        t0 = time.perf_counter()
        for query in query_rows:
            index.search(query, k)
        qps.append(len(query_rows) / (time.perf_counter() - t0))
    return qps


def log(task, message):
    print(f"[ann {task['dataset']} faiss {task['threads']}T] {message}", file=sys.stderr, flush=True)


def main():
    task = json.loads(sys.argv[1])
    d, k = task["dimension"], task["k"]
    base = read_f32(task["baseFile"], d)
    queries = read_f32(task["queriesFile"], d)
    rss_baseline = rss_bytes()

    log(task, f"building {base.shape[0]} rows")
    faiss.omp_set_num_threads(task["threads"])
    started = time.perf_counter()
    index = faiss.IndexHNSWFlat(d, task["M"])
    index.hnsw.efConstruction = task["efConstruction"]
    index.add(base)
    build_seconds = time.perf_counter() - started
    rss_after_build = rss_bytes()
    log(task, f"built in {build_seconds:.1f} s, RSS +{(rss_after_build - rss_baseline) / 2**20:.0f} MiB")
    library_bytes = int(faiss.serialize_index(index).nbytes)

    faiss.omp_set_num_threads(1)
    query_rows = [queries[i : i + 1] for i in range(queries.shape[0])]
    ids = np.full((len(task["efs"]), len(query_rows), k), -1, dtype=np.int32)
    sweep = []
    for e, ef in enumerate(task["efs"]):
        index.hnsw.efSearch = ef
        for q, query in enumerate(query_rows):
            _, found = index.search(query, k)
            ids[e, q] = found[0]
        qps = timed_passes(index, query_rows, k, task)
        sweep.append({"ef": ef, "qps": qps})
        log(task, f"ef {ef}: {len(qps)} passes, median {statistics.median(qps):.0f} QPS")

    ids.tofile(task["idsFile"])
    result = {
        "lib": task["lib"],
        "label": f"FAISS {faiss.__version__} (python3-faiss)",
        "threads": task["threads"],
        "buildSeconds": build_seconds,
        "rssBaselineBytes": rss_baseline,
        "rssAfterBuildBytes": rss_after_build,
        "libraryBytes": library_bytes,
        "libraryBytesSource": "length of `serialize_index`",
        "sweep": sweep,
    }
    with open(task["resultFile"], "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
