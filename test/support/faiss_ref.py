"""Python FAISS (Debian's python3-faiss) beside Quiver's FAISS layer, for test/faiss-*.test.ts.

Called as `python3 faiss_ref.py '<json>'` with one operation, or a JSON list of them (run in
order, one import of faiss for all):
  {"op": "check"}                                     prints faiss's version
  {"op": "build", "spec": {...}, "d", "base", "train"?, "ids"?, "out"}
      builds the index `spec` describes, trains it (on `train`, else `base`), adds `base`
      (with `ids` for id maps), writes it with faiss.write_index to `out`
  {"op": "search", "index", "d", "queries", "k", "nprobe"?, "efSearch"?, "outD", "outI"}
      faiss.read_index, then search; writes D (float32) and I (int64) raw
  {"op": "range", "index", "d", "queries", "radius", "outLims", "outD", "outI"}
Vectors are raw little-endian float32 files, ids raw int64. Prints a JSON line describing
the index (class, d, ntotal, metric, is_trained).
"""
import json
import sys

import faiss
import numpy as np


def vectors(path, d):
    return np.fromfile(path, dtype="<f4").reshape(-1, d)


def make(spec, d):
    metric = faiss.METRIC_INNER_PRODUCT if spec.get("metric") == "ip" else faiss.METRIC_L2
    kind = spec["kind"]
    if kind == "flat" and spec.get("metric") == "l1":
        return faiss.IndexFlat(d, faiss.METRIC_L1)
    if kind == "flat":
        return faiss.IndexFlatIP(d) if metric == faiss.METRIC_INNER_PRODUCT else faiss.IndexFlatL2(d)
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, spec["M"], metric)
        index.hnsw.efConstruction = spec.get("efConstruction", 40)
        return index
    if kind == "ivfflat":
        return faiss.index_factory(d, "IVF%d,Flat" % spec["nlist"], metric)
    if kind == "ivfpq":
        # "np": no polysemous training (index_factory's default runs minutes of annealing).
        return faiss.index_factory(d, "IVF%d,PQ%dnp" % (spec["nlist"], spec["m"]), metric)
    if kind == "sq8":
        return faiss.IndexScalarQuantizer(d, faiss.ScalarQuantizer.QT_8bit, metric)
    if kind == "pq":
        return faiss.IndexPQ(d, spec["m"], 8, metric)
    if kind == "lsh":
        return faiss.IndexLSH(d, spec["nbits"])
    if kind in ("idmap", "idmap2"):
        inner = make(spec["inner"], d)
        index = faiss.IndexIDMap2(inner) if kind == "idmap2" else faiss.IndexIDMap(inner)
        index.own_fields = True
        inner.this.disown()
        return index
    raise ValueError("unknown kind %r" % kind)


def describe(index):
    return {
        "class": type(faiss.downcast_index(index)).__name__,
        "d": index.d,
        "ntotal": index.ntotal,
        "metric": index.metric_type,
        "is_trained": bool(index.is_trained),
    }


def set_params(index, cmd):
    """Sets nprobe / efSearch on the index (or the index an id map wraps) when it has them."""
    base = index
    if isinstance(index, (faiss.IndexIDMap, faiss.IndexIDMap2)):
        base = faiss.downcast_index(index.index)
    if cmd.get("nprobe") is not None and hasattr(base, "nprobe"):
        base.nprobe = cmd["nprobe"]
    if cmd.get("efSearch") is not None and hasattr(base, "hnsw"):
        base.hnsw.efSearch = cmd["efSearch"]


def main():
    faiss.omp_set_num_threads(1)
    cmds = json.loads(sys.argv[1])
    for cmd in cmds if isinstance(cmds, list) else [cmds]:
        run(cmd)


def run(cmd):
    op = cmd["op"]
    if op == "check":
        print(json.dumps({"version": faiss.__version__}))
        return
    d = cmd["d"]
    if op == "build":
        index = make(cmd["spec"], d)
        base = vectors(cmd["base"], d)
        if not index.is_trained:
            index.train(vectors(cmd["train"], d) if cmd.get("train") else base)
        if cmd.get("ids"):
            index.add_with_ids(base, np.fromfile(cmd["ids"], dtype="<i8"))
        else:
            index.add(base)
        if cmd["spec"].get("directMap"):
            index.make_direct_map()
        faiss.write_index(index, cmd["out"])
        print(json.dumps(describe(index)), flush=True)
        return
    index = faiss.read_index(cmd["index"])  # already downcast; keep this owning proxy alive
    set_params(index, cmd)
    queries = vectors(cmd["queries"], d)
    if op == "search":
        D, I = index.search(queries, cmd["k"])
        D.astype("<f4").tofile(cmd["outD"])
        I.astype("<i8").tofile(cmd["outI"])
    elif op == "range":
        lims, D, I = index.range_search(queries, cmd["radius"])
        lims.astype("<u8").tofile(cmd["outLims"])
        D.astype("<f4").tofile(cmd["outD"])
        I.astype("<i8").tofile(cmd["outI"])
    print(json.dumps(describe(index)), flush=True)


main()
