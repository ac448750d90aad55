"""Python hnswlib (Debian's python3-hnswlib) beside Quiver's HnswlibIndex, for
test/hnswlib-file.test.ts. Called as `python3 faiss_hnswlib_ref.py '<json list of ops>'`:
  {"op": "build", "space", "dim", "data", "ids"?, "M", "efConstruction", "deleted"?, "out"}
  {"op": "search", "space", "dim", "index", "queries", "k", "ef", "outL", "outD"}
Vectors are raw float32 files, ids raw int64; labels are written as uint64, distances float32.
"""
import json
import sys

import hnswlib
import numpy as np


def run(cmd):
    p = hnswlib.Index(space=cmd["space"], dim=cmd["dim"])
    if cmd["op"] == "build":
        data = np.fromfile(cmd["data"], dtype="<f4").reshape(-1, cmd["dim"])
        p.init_index(max_elements=len(data), M=cmd["M"], ef_construction=cmd["efConstruction"], random_seed=100)
        p.set_num_threads(1)
        ids = np.fromfile(cmd["ids"], dtype="<i8") if cmd.get("ids") else None
        p.add_items(data, ids)
        for label in cmd.get("deleted", []):
            p.mark_deleted(label)
        p.save_index(cmd["out"])
    else:
        p.load_index(cmd["index"])
        p.set_ef(cmd["ef"])
        p.set_num_threads(1)
        queries = np.fromfile(cmd["queries"], dtype="<f4").reshape(-1, cmd["dim"])
        labels, distances = p.knn_query(queries, k=cmd["k"])
        labels.astype("<u8").tofile(cmd["outL"])
        distances.astype("<f4").tofile(cmd["outD"])
    print(json.dumps({"count": p.get_current_count()}), flush=True)


for cmd in json.loads(sys.argv[1]):
    run(cmd)
