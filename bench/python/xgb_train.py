"""The XGBoost side of bench/model_bench.ts: trains on the rows the bench wrote, reports JSON.

Reads <dir>/train_features.f32, train_labels.u8, validation_features.f32, validation_labels.u8
(row-major float32 with NaN for missing, 0/1 bytes) and <dir>/params.json; prints one JSON
line: training seconds, wall and CPU (DMatrix construction + training, as ours includes
binning), validation ROC-AUC, peak RSS, and XGBoost's own batch prediction rows/s on the
first params["predictTrees"] trees.
"""

import json
import resource
import sys
import time

import numpy as np
import xgboost as xgb


def read_rows(directory, name, features):
    x = np.fromfile(f"{directory}/{name}_features.f32", dtype="<f4").reshape(-1, features)
    y = np.fromfile(f"{directory}/{name}_labels.u8", dtype=np.uint8)
    return x, y


def roc_auc(scores, labels):
    """Mann-Whitney ROC-AUC with ties counted half, as models/metrics.ts computes it."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    # Average ranks over ties.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts - 1) / 2.0 + 1
    ranks[order] = np.repeat(average, counts)
    positives = labels.sum()
    negatives = len(labels) - positives
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def peak_rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    directory = sys.argv[1]
    with open(f"{directory}/params.json") as file:
        params = json.load(file)
    features = params["features"]
    x, y = read_rows(directory, "train", features)
    xv, yv = read_rows(directory, "validation", features)
    booster_params = {
        "objective": "binary:logistic",
        "tree_method": "hist",
        "max_depth": params["maxDepth"],
        "eta": params["learningRate"],
        "reg_lambda": params["lambda"],
        "gamma": params["gamma"],
        "min_child_weight": params["minChildWeight"],
        "scale_pos_weight": params["scalePosWeight"],
        "max_bin": params["maxBins"],
        "base_score": params["baseProbability"],
        "nthread": params["threads"],
        "eval_metric": ["logloss", "auc"],
        "seed": params["seed"],
    }
    start = time.perf_counter()
    cpu_start = resource.getrusage(resource.RUSAGE_SELF)
    train = xgb.DMatrix(x, label=y, missing=np.nan, nthread=params["threads"])
    validation = xgb.DMatrix(xv, label=yv, missing=np.nan, nthread=params["threads"])
    booster = xgb.train(
        booster_params,
        train,
        num_boost_round=params["rounds"],
        evals=[(validation, "validation")],
        verbose_eval=False,
    )
    seconds = time.perf_counter() - start
    cpu_end = resource.getrusage(resource.RUSAGE_SELF)
    cpu_seconds = (cpu_end.ru_utime - cpu_start.ru_utime) + (cpu_end.ru_stime - cpu_start.ru_stime)
    scores = booster.inplace_predict(xv)
    tiled = np.tile(xv, (max(1, 1_000_000 // len(xv)), 1))
    # Timed on as many trees as the model the asset ships keeps (the bench passes the count), so
    # XGBoost's predictor and onnxruntime walk the same number of trees of the same depth.
    trees = min(params.get("predictTrees", booster.num_boosted_rounds()), booster.num_boosted_rounds())
    timings = []
    for _ in range(3):
        begin = time.perf_counter()
        booster.inplace_predict(tiled, iteration_range=(0, trees))
        timings.append(time.perf_counter() - begin)
    print(
        json.dumps(
            {
                "engine": f"xgboost {xgb.__version__}",
                "trainSeconds": seconds,
                "trainCpuSeconds": cpu_seconds,
                "validationAuc": roc_auc(scores.astype(np.float64), yv),
                "trees": booster.num_boosted_rounds(),
                "peakRssMiB": peak_rss_mib(),
                "predictRowsPerSecond": len(tiled) / sorted(timings)[1],
                "predictTrees": trees,
            }
        )
    )


if __name__ == "__main__":
    main()
