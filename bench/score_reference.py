#!/usr/bin/env python3
"""The benchmark's Python reference for scoring: CatBoost's native predict with the same model.

Reads a feature matrix written by the project's feature module (`writeMatrix` in src/train/matrix.ts: the
same features the app computes) and the model in CatBoost's own format (models/priority.cbm, written by train.py
beside the ONNX export), then times `predict_proba` over every row in one call (CatBoost's best case), several
times, and prints `{"rows": N, "seconds": S, "runs": [...]}` as JSON, S being the median run. Loading the CSV is not timed; neither is the feature module, whose time the
benchmark adds to both sides.
"""

import argparse
import json
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="CatBoost model file (.cbm)")
    parser.add_argument("--matrix", required=True, help="feature matrix CSV (features then label)")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls; the median is reported (default 5)")
    args = parser.parse_args()
    try:
        import catboost
        import numpy as np
    except ImportError as error:
        print(f"score_reference.py: {error}; pip install -r models/requirements.txt", file=sys.stderr)
        return 2
    x = np.genfromtxt(args.matrix, delimiter=",", skip_header=1, dtype=np.float32, missing_values="",
                      filling_values=np.nan)[:, :-1]
    model = catboost.CatBoostClassifier()
    model.load_model(args.model)
    model.predict_proba(x[:10])  # warm up
    runs = []
    for _ in range(max(1, args.repeat)):
        started = time.perf_counter()
        model.predict_proba(x)
        runs.append(time.perf_counter() - started)
    median = sorted(runs)[len(runs) // 2]
    print(json.dumps({"rows": int(x.shape[0]), "seconds": median, "runs": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
