"""onnxruntime (Python) scoring the ONNX file the bench exported: the peer of onnxruntime-node.

Usage: ort_score.py <model.onnx> <dir> <features> <batch rows>; prints one JSON line with the
median rows/s over 5 passes of about 1,000,000 rows, and the probabilities of the first rows.
"""

import json
import sys
import time

import numpy as np
import onnxruntime as ort


def main():
    model, directory, features, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    xv = np.fromfile(f"{directory}/validation_features.f32", dtype="<f4").reshape(-1, features)
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    rows = np.tile(xv, (max(1, -(-batch // len(xv))), 1))[:batch]
    passes = max(1, 1_000_000 // batch)
    session.run(None, {"features": rows})
    timings = []
    for _ in range(5):
        begin = time.perf_counter()
        for _ in range(passes):
            session.run(None, {"features": rows})
        timings.append(time.perf_counter() - begin)
    print(
        json.dumps(
            {
                "engine": f"onnxruntime {ort.__version__} (Python)",
                "rowsPerSecond": passes * batch / sorted(timings)[2],
                "firstProbabilities": session.run(None, {"features": xv[:3]})[1][:, 1].tolist(),
            }
        )
    )


if __name__ == "__main__":
    main()
