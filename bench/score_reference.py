#!/usr/bin/env python3
"""The benchmark's Python reference: what a CatBoost user would write for text-aware priority scoring.

Fits a CatBoostClassifier on the training CSV's raw ticket fields, with CatBoost's own `text_features` for the
subject and description and `cat_features` for the categories (same iterations, depth and learning rate as
models/train.py), then times `predict_proba` on the held-out CSV's raw fields in one call (CatBoost's best case,
its text processing included), several times, and prints JSON: `{"rows", "seconds" (the median run), "runs",
"macro_f1", "fit_seconds"}`. Reading the CSVs is not timed. With `--serve` it times one call whenever asked on stdin
instead, which is how `deno task bench` runs it: by turns with its own runs.
"""

import argparse
import json
import sys
import time

CLASSES = ["Low", "Medium", "High", "Critical"]
TEXT = ["Ticket Subject", "Ticket Description"]
CATEGORIES = ["Customer Gender", "Product Purchased", "Ticket Type", "Ticket Status", "Ticket Channel"]
NUMBERS = ["Customer Age"]


def frame(path, pd):
    data = pd.read_csv(path, dtype=str, keep_default_na=False)
    x = data[NUMBERS + CATEGORIES + TEXT].copy()
    x["Customer Age"] = pd.to_numeric(x["Customer Age"], errors="coerce")
    y = data["Ticket Priority"].map({c: i for i, c in enumerate(CLASSES)})
    return x, y.to_numpy()


def macro_f1(y_true, y_pred, np) -> float:
    k = len(CLASSES)
    scores = []
    for c in range(k):
        tp = int(((y_true == c) & (y_pred == c)).sum())
        predicted, actual = int((y_pred == c).sum()), int((y_true == c).sum())
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return float(np.mean(scores))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True, help="ticket CSV to fit on (the samples' columns)")
    parser.add_argument("--test", required=True, help="ticket CSV to score and measure")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls; the median is reported (default 5)")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--serve", action="store_true",
        help="after fitting, print {\"ready\"}, then time one call per `run` line on stdin, printing {\"seconds\"}, "
        "until a `done` line, then print {\"rows\", \"macro_f1\"}: so that a caller can take turns with its own runs",
    )
    args = parser.parse_args()
    try:
        import catboost
        import numpy as np
        import pandas as pd
    except ImportError as error:
        print(f"score_reference.py: {error}; run deno task setup", file=sys.stderr)
        return 2
    x_train, y_train = frame(args.train, pd)
    x_test, y_test = frame(args.test, pd)
    model = catboost.CatBoostClassifier(
        loss_function="MultiClass", iterations=args.iterations, depth=6, learning_rate=0.1, random_seed=42,
        thread_count=args.threads, verbose=False, allow_writing_files=False,
        cat_features=CATEGORIES, text_features=TEXT,
    )
    started = time.perf_counter()
    model.fit(x_train, y_train)
    fit_seconds = time.perf_counter() - started
    model.predict_proba(x_test.iloc[:10])  # warm up
    if args.serve:
        return serve(model, x_test, y_test, fit_seconds, np)
    runs = []
    for _ in range(max(1, args.repeat)):
        started = time.perf_counter()
        proba = model.predict_proba(x_test)
        runs.append(time.perf_counter() - started)
    median = sorted(runs)[len(runs) // 2]
    print(json.dumps({
        "rows": int(len(x_test)),
        "seconds": median,
        "runs": runs,
        "macro_f1": macro_f1(y_test, proba.argmax(axis=1), np),
        "fit_seconds": fit_seconds,
    }))
    return 0


def serve(model, x_test, y_test, fit_seconds, np) -> int:
    """Times one `predict_proba` call per `run` line on stdin, one JSON line each, until `done`."""
    print(json.dumps({"ready": True, "fit_seconds": fit_seconds}), flush=True)
    proba = None
    for line in sys.stdin:
        command = line.strip()
        if command == "run":
            started = time.perf_counter()
            proba = model.predict_proba(x_test)
            print(json.dumps({"seconds": time.perf_counter() - started}), flush=True)
        elif command == "done":
            break
    if proba is None:
        proba = model.predict_proba(x_test)
    print(json.dumps({"rows": int(len(x_test)), "macro_f1": macro_f1(y_test, proba.argmax(axis=1), np)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
