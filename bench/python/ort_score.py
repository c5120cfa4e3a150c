"""onnxruntime (Python) scoring the ONNX file the bench exported: the peer of onnxruntime-node.

Usage: ort_score.py <model.onnx> <dir> <features> <batch rows> <rows per pass> <spinning 0|1>
[<intra-op threads>];
prints one JSON line with the median rows/s (wall and CPU) over 5 passes.
"""

import json
import sys
import time

import numpy as np
import onnxruntime as ort


def main():
    model, directory = sys.argv[1], sys.argv[2]
    features, batch, per_pass = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    spinning = sys.argv[6]
    threads = int(sys.argv[7]) if len(sys.argv) > 7 else 0
    xv = np.fromfile(f"{directory}/validation_features.f32", dtype="<f4").reshape(-1, features)
    options = ort.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", spinning)
    # 0 is onnxruntime's default (one thread per core); the Node side sets the same count.
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    rows = np.tile(xv, (max(1, -(-batch // len(xv))), 1))[:batch]
    batches = max(1, round(per_pass / batch))
    session.run(None, {"features": rows})
    walls, cpus = [], []
    for _ in range(5):
        begin, cpu = time.perf_counter(), time.process_time()
        for _ in range(batches):
            session.run(None, {"features": rows})
        walls.append(batches * batch / (time.perf_counter() - begin))
        cpus.append(batches * batch / (time.process_time() - cpu))
    print(
        json.dumps(
            {
                "version": ort.__version__,
                "rowsPerSecond": sorted(walls)[2],
                "rowsPerCpuSecond": sorted(cpus)[2],
            }
        )
    )


if __name__ == "__main__":
    main()
