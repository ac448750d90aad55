"""Reference HOG descriptors from scikit-image, for test/embed-hog.test.ts.

Usage: /usr/bin/python3 skimage-hog.py MANIFEST.json

MANIFEST.json is a list of cases, each
  {"input": path, "dtype": "uint8" | "float32", "width": W, "height": H,
   "orientations": n, "pixelsPerCell": [rows, cols], "cellsPerBlock": [rows, cols],
   "blockNorm": "L1" | "L1-sqrt" | "L2" | "L2-Hys", "transformSqrt": bool, "output": path}
where `input` holds H*W grey pixels, row-major, little-endian. For each case it writes
skimage.feature.hog(..., feature_vector=True) to `output` as little-endian float64 and
prints one line "<output> <length>".
"""
import json
import sys

import numpy as np
from skimage.feature import hog


def main(manifest_path):
    with open(manifest_path) as f:
        cases = json.load(f)
    for case in cases:
        dtype = np.dtype(case["dtype"]).newbyteorder("<")
        pixels = np.fromfile(case["input"], dtype=dtype)
        image = pixels.reshape(case["height"], case["width"])
        features = hog(
            image,
            orientations=case["orientations"],
            pixels_per_cell=tuple(case["pixelsPerCell"]),
            cells_per_block=tuple(case["cellsPerBlock"]),
            block_norm=case["blockNorm"],
            transform_sqrt=case["transformSqrt"],
            feature_vector=True,
        )
        features.astype("<f8").tofile(case["output"])
        print(case["output"], features.size)


if __name__ == "__main__":
    main(sys.argv[1])
