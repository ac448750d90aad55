"""Writes the files the format tests import, with h5py and numpy (Debian's python3-h5py).

  ann_files.py hdf5 OUT TRAIN.f32 N TEST.f32 Q D K METRIC
      an ann-benchmarks HDF5 file: datasets train (N x D float32), test (Q x D float32),
      neighbors (Q x K int32, exact, by brute force) and distances (Q x K float32), and the
      attribute distance = METRIC ('euclidean' or 'angular').
  ann_files.py npz OUT VECTORS.f32 N D COMPRESSED
      np.savez (COMPRESSED=0) or np.savez_compressed (1) with members vectors and ids.

Raw .f32 inputs are little-endian float32, row-major, written by the test.
"""
import sys

import h5py
import numpy as np


def load(path, rows, d):
    return np.fromfile(path, dtype="<f4").reshape(rows, d)


def exact(train, test, k, metric):
    if metric == "angular":
        a = train / np.linalg.norm(train, axis=1, keepdims=True)
        b = test / np.linalg.norm(test, axis=1, keepdims=True)
        dist = 1 - b @ a.T
    else:
        dist = ((test[:, None, :] - train[None, :, :]) ** 2).sum(-1) ** 0.5
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return order.astype("int32"), np.take_along_axis(dist, order, 1).astype("float32")


def main(argv):
    if argv[0] == "hdf5":
        out, train_path, n, test_path, q, d, k, metric = argv[1:]
        n, q, d, k = int(n), int(q), int(d), int(k)
        train, test = load(train_path, n, d), load(test_path, q, d)
        neighbors, distances = exact(train, test, k, metric)
        with h5py.File(out, "w") as f:
            f.attrs["distance"] = metric
            f.create_dataset("train", data=train)
            f.create_dataset("test", data=test)
            f.create_dataset("neighbors", data=neighbors)
            f.create_dataset("distances", data=distances)
    elif argv[0] == "npz":
        out, path, n, d, compressed = argv[1:]
        vectors = load(path, int(n), int(d))
        save = np.savez_compressed if compressed == "1" else np.savez
        save(out, vectors=vectors, ids=np.arange(int(n), dtype="int64"))
    else:
        raise SystemExit("unknown command " + argv[0])


main(sys.argv[1:])
