#!/usr/bin/env python3
"""Train the ticket priority model and export it for onnxruntime-node.

Reads a training matrix written by the TypeScript feature module (`deno task features`, or `deno task train`
which runs both steps): a CSV whose header is the feature names followed by `label` (class index 0..3 in the
order Low, Medium, High, Critical; empty cells are NaN), plus its sidecar `<matrix>.meta.json` naming the
feature spec version. Then:

1. deals the rows into folds (5, stratified and seeded): every ticket is predicted once by models fitted on the
   other folds, and those out-of-fold predictions measure, calibrate and set the review threshold; the final
   model then learns from every labelled ticket, so a team's labels are all used;
2. fits the text layer (from the matrix's terms file, `<matrix>.terms`): a logistic regression over the tickets'
   TF-IDF weighted word terms, classes weighted by their inverse frequency, fold by fold. Its four class scores,
   out of fold, become the last four features; the folds' regressions averaged are exported as `text_layer.bin`,
   which the scorer reads (`src/score/text_layer.ts`);
3. trains multiclass CatBoost trees that start from the text layer's scores (their baseline: the trees learn what
   the other features add to the text; fixed seed), fold by fold, and keeps as many trees as give the best
   macro-F1 averaged over the folds; the final trees learn from all rows;
4. exports the trees to ONNX as one vectorized graph (`oblivious_trees_onnx`: `probabilities` is a float tensor
   [N, 4] in class order, as onnxruntime-node needs), and checks it against CatBoost's own
   predict_proba with Python onnxruntime (a sample of rows, plus rows with NaNs injected);
5. calibrates the out-of-fold probabilities (temperature scaling) and picks the confidence threshold above which
   tickets are auto-assigned so that they reach the target precision; below it a ticket needs review;
6. tests on the out-of-fold predictions whether the model beats chance (a permutation test of macro-F1); a model
   that does not sends every ticket to review;
7. writes into --out-dir: `priority.onnx`, `text_layer.bin`, `priority.json` (model version, classes, feature spec,
   training data hash, out-of-fold metrics, calibration, review threshold and verdict, library versions),
   `parity_sample.json` (feature rows with CatBoost's own probabilities, for the Deno parity test), and
   `out_of_fold.json` (each matrix row's out-of-fold prediction, to compare another model on the same tickets).

Needs the libraries of models/requirements.txt (`deno task setup` installs them into .venv; numpy and pandas
come with catboost, scipy with scikit-learn).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

CLASSES = ["Low", "Medium", "High", "Critical"]
PARITY_TOLERANCE = 1e-5
HERE = Path(__file__).resolve().parent


class TrainError(Exception):
    """A problem with the inputs or the environment, reported without a traceback."""


# Folds of the cross-validation (fewer when a class has fewer tickets), and how many rounds without improvement of
# a fold's macro-F1 end its boosting (macro-F1 moves in steps and plateaus: a short patience stopped learnable
# models early).
FOLDS = 5
EARLY_STOPPING_ROUNDS = 100
EVAL_METRIC = "TotalF1:average=Macro"
# Tickets auto-assigned before a threshold is trusted to reach the target precision.
MIN_AUTO_ASSIGNED = 30
# The model must beat chance with this significance (permutation test), or every ticket goes to review.
SIGNIFICANCE = 0.01
PERMUTATIONS = 2000
RELIABILITY_BINS = 10
# Rows on which the ONNX graph is held to CatBoost's own probabilities.
PARITY_CHECK_ROWS = 5000
# The text layer: its class scores' feature names (in class order), and how far its scores computed from the
# exported arrays may be from scikit-learn's.
TEXT_SCORE_NAMES = [f"text_score_{c.lower()}" for c in CLASSES]
TEXT_LAYER_TOLERANCE = 1e-4


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="train.py",
        description="Train the CatBoost priority model on a feature matrix and export it to ONNX.",
        epilog="Usually run through `deno task train`, which writes the matrix first.",
    )
    p.add_argument("--matrix", required=True,
                   help="training matrix CSV from `deno task features` (needs its .meta.json)")
    p.add_argument("--out-dir", default=str(HERE), help="where to write priority.onnx, priority.json, "
                   "parity_sample.json (default: %(default)s)")
    p.add_argument("--source", action="append", default=[], help="describes where the matrix came from "
                   "(recorded in the metadata; repeatable)")
    p.add_argument("--iterations", type=int, default=300, help="boosting iterations (default: %(default)s)")
    p.add_argument("--depth", type=int, default=6, help="tree depth (default: %(default)s)")
    p.add_argument("--learning-rate", type=float, default=0.1, help="learning rate (default: %(default)s)")
    p.add_argument("--seed", type=int, default=42, help="seed for the split and for CatBoost (default: %(default)s)")
    p.add_argument("--folds", type=int, default=FOLDS, help="folds of the cross-validation that measures and "
                   "calibrates the model (default: %(default)s; fewer when a class has fewer tickets)")
    p.add_argument("--threads", type=int, default=2, help="CatBoost threads, and text layer folds fitted at once (default: %(default)s)")
    p.add_argument("--parity-rows", type=int, default=200, help="feature rows in parity_sample.json "
                   "(default: %(default)s)")
    p.add_argument("--target-precision", type=float, default=0.8, help="precision the auto-assigned tickets must "
                   "reach out of fold; below the threshold that gives it, tickets need review "
                   "(default: %(default)s)")
    p.add_argument("--keep-all-trees", action="store_true",
                   help="keep every one of --iterations trees (for tests of the exported graph)")
    p.add_argument("--class-weights", choices=["balanced", "none"], default="balanced",
                   help="the text layer weighs classes by their inverse frequency (balanced: what macro-F1 rewards) "
                        "or not (default: %(default)s)")
    p.add_argument("--text-c", type=float, default=1.0, help="inverse regularisation of the text layer's logistic "
                   "regression (default: %(default)s)")
    p.add_argument("--drop-prefix", action="append", default=[], help="leave out the features whose names start "
                   "with this (repeatable; e.g. text_ for a text-blind model)")
    args = p.parse_args(argv)
    if args.iterations < 1 or args.depth < 1 or args.depth > 16:
        p.error("--iterations must be >= 1 and --depth between 1 and 16")
    if args.folds < 2:
        p.error("--folds must be at least 2")
    if not 0 < args.target_precision <= 1:
        p.error("--target-precision must be above 0 and at most 1")
    return args


def import_libraries():
    missing = []
    modules = {}
    for name in ("numpy", "pandas", "catboost", "onnx", "onnxruntime", "scipy", "sklearn"):
        try:
            modules[name] = __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise TrainError(f"missing Python packages: {', '.join(missing)}. Install them into .venv with: "
                         "deno task setup (or pip install -r models/requirements.txt)")
    return modules


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_matrix(path: Path, np, pd):
    if not path.is_file():
        raise TrainError(f"matrix not found: {path}")
    meta_path = Path(str(path) + ".meta.json")
    if not meta_path.is_file():
        raise TrainError(f"{meta_path} is missing: write training matrices with `deno task features` "
                         "(it records the feature spec next to the matrix)")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    feature_names = meta.get("feature_names")
    spec_version = meta.get("feature_spec_version")
    if not isinstance(feature_names, list) or not isinstance(spec_version, str):
        raise TrainError(f"{meta_path} lacks feature_names / feature_spec_version")
    if not isinstance(meta.get("vocabularies"), dict):
        raise TrainError(f"{meta_path} lacks the vocabularies the features were encoded over: write it again with "
                         "`deno task features`")
    if meta.get("classes", CLASSES) != CLASSES:
        raise TrainError(f"{meta_path} has classes {meta.get('classes')}, expected {CLASSES}")
    frame = pd.read_csv(path, dtype="float64", keep_default_na=False, na_values=[""])
    header = list(frame.columns)
    if header != feature_names + ["label"]:
        raise TrainError(f"{path}: header does not match {meta_path.name} (expected the feature names then `label`)")
    if len(frame) == 0:
        raise TrainError(f"{path}: no rows (are the tickets labelled?)")
    labels = frame["label"].to_numpy()
    if np.isnan(labels).any() or not np.isin(labels, range(len(CLASSES))).all():
        raise TrainError(f"{path}: `label` must be a class index 0..{len(CLASSES) - 1} in every row")
    x = frame[feature_names].to_numpy(dtype=np.float32)
    return x, labels.astype(np.int64), feature_names, spec_version, meta


def load_terms(matrix_path: Path, meta: dict, rows: int, np):
    """The matrix rows' text terms (`<matrix>.terms`, svmlight: `label bucket:count ...`) as a CSR count matrix."""
    from sklearn.datasets import load_svmlight_file
    spec = meta.get("text_terms")
    if not isinstance(spec, dict):
        raise TrainError(f"{matrix_path}.meta.json lacks text_terms: write the matrix again with `deno task features`")
    path = matrix_path.parent / spec["file"]
    counts, _ = load_svmlight_file(str(path), n_features=int(spec["buckets"]), dtype=np.float64, zero_based=True)
    if counts.shape[0] != rows:
        raise TrainError(f"{path} has {counts.shape[0]} rows, the matrix {rows}")
    return counts.tocsr()


def tfidf(counts, idf, np, sp):
    """Each row's terms weighted (1 + ln count) * idf, then scaled to unit length (what text_layer.ts computes)."""
    x = counts.copy()
    x.data = (1 + np.log(x.data)) * idf[x.indices]
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sp.diags(1 / norms) @ x


def fold_of_rows(y, folds: int, seed: int, np):
    """Each row's fold, 0..folds-1, stratified by class and seeded (at least 2 tickets of each class)."""
    from sklearn.model_selection import StratifiedKFold
    counts = np.bincount(y, minlength=len(CLASSES))
    if counts.min() < 2:
        short = ", ".join(f"{CLASSES[c]} has {counts[c]}" for c in range(len(CLASSES)) if counts[c] < 2)
        raise TrainError(f"every priority needs at least 2 labelled tickets to learn from and measure; {short}")
    fold = np.empty(len(y), dtype=np.int64)
    splitter = StratifiedKFold(n_splits=min(folds, int(counts.min())), shuffle=True, random_state=seed)
    for f, (_, rows) in enumerate(splitter.split(np.zeros(len(y)), y)):
        fold[rows] = f
    return fold


def fit_regression(x, y, c: float, balanced: bool):
    """One fold's logistic regression of the text layer (a function of its own, so that folds can run in parallel
    processes)."""
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(C=c, max_iter=300, class_weight="balanced" if balanced else None).fit(x, y)


def fit_text_layer(counts, y, fold, c: float, balanced: bool, jobs: int, np, sp):
    """The text layer: every row's out-of-fold scores, and the layer that scores new tickets.

    Each fold's regression scores the rows it did not see; the exported layer is the fold regressions' average (an
    average of linear models is one linear model; together they learnt from every row), so the rows the trees
    learn from and the tickets they are used on get scores of one kind. A regression refitted on all the rows
    scores more boldly than the folds did, and trees that learned from out-of-fold scores then misread it.
    """
    from joblib import Parallel, delayed
    n, folds = len(y), int(fold.max()) + 1
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1 + n) / (1 + df)) + 1
    x = tfidf(counts, idf, np, sp)
    oof = np.zeros((n, len(CLASSES)))
    coef = np.zeros((len(CLASSES), counts.shape[1]))
    intercept = np.zeros(len(CLASSES))
    # The folds' regressions in parallel processes (the solver holds Python's lock: threads would take turns).
    regressions = Parallel(n_jobs=min(jobs, folds))(
        delayed(fit_regression)(x[fold != f], y[fold != f], c, balanced) for f in range(folds))
    for f, regression in enumerate(regressions):
        score = fold == f
        oof[score] = regression.decision_function(x[score])
        coef += regression.coef_ / folds
        intercept += regression.intercept_ / folds
    # How far the scores can be trusted: the scale that fits the out-of-fold scores best (the regression's own,
    # class-weighted log-loss). A layer that learnt nothing from the words is scaled towards 0, so that the trees,
    # which start from its scores, do not have to undo its noise; a layer that reads the text well stays near 1.
    weights_by_row = (n / (len(CLASSES) * np.bincount(y, minlength=len(CLASSES))))[y] if balanced else np.ones(n)

    def loss(scale: float) -> float:
        z = oof * scale
        z = z - z.max(axis=1, keepdims=True)
        log_p = z[np.arange(n), y] - np.log(np.exp(z).sum(axis=1))
        return float(-(weights_by_row * log_p).sum() / weights_by_row.sum())

    scale = min(np.round(np.arange(0, 2.0001, 0.05), 2), key=loss)
    oof, coef, intercept = oof * scale, coef * scale, intercept * scale
    seen = np.flatnonzero(df)
    return {
        "x": x, "oof": oof, "coef": coef, "intercept": intercept, "buckets": seen.astype(np.int32), "scale": float(scale),
        "idf": idf[seen].astype(np.float32), "idf_unseen": float(np.log(1 + n) + 1),
        "weights": coef.T[seen].astype(np.float32), "bias": intercept.astype(np.float32),
        "c": c, "folds": folds, "terms_seen": int(len(seen)),
    }


def text_layer_bytes(layer, np) -> bytes:
    """`text_layer.bin` (little-endian; the layout text_layer.ts reads)."""
    header = np.array([len(layer["buckets"]), len(CLASSES)], dtype="<u4").tobytes()
    return b"".join([
        header, np.array([layer["idf_unseen"]], dtype="<f4").tobytes(), layer["bias"].astype("<f4").tobytes(),
        layer["buckets"].astype("<i4").tobytes(), layer["idf"].astype("<f4").tobytes(),
        layer["weights"].astype("<f4").tobytes(),
    ])


def exported_scores(counts, layer, np, sp):
    """The scores the exported arrays give (as text_layer.ts computes them), for the parity checks."""
    idf = np.full(counts.shape[1], layer["idf_unseen"], dtype=np.float64)
    idf[layer["buckets"]] = layer["idf"]
    weights = np.zeros((counts.shape[1], len(CLASSES)))
    weights[layer["buckets"]] = layer["weights"]
    return tfidf(counts, idf, np, sp) @ weights + layer["bias"].astype(np.float64)


def metrics(y_true, y_pred, y_train, np) -> dict:
    k = len(CLASSES)
    confusion = np.zeros((k, k), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        confusion[t, p] += 1
    per_class = {}
    f1s = []
    for c, name in enumerate(CLASSES):
        tp = int(confusion[c, c])
        support = int(confusion[c, :].sum())
        predicted = int(confusion[:, c].sum())
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        per_class[name] = {"support": support, "predicted": predicted, "precision": round(precision, 4),
                           "recall": round(recall, 4), "f1": round(f1, 4)}
    train_counts = np.bincount(y_train, minlength=k)
    majority = int(train_counts.argmax())
    return {
        "rows": int(len(y_true)),
        "accuracy": round(float((y_true == y_pred).mean()), 4),
        "macro_f1": round(float(np.mean(f1s)), 4),
        "per_class": per_class,
        "confusion": {"rows_are": "labelled class", "columns_are": "predicted class", "classes": CLASSES,
                      "matrix": confusion.tolist()},
        "chance_baseline": {
            "uniform_accuracy": round(1 / k, 4),
            "majority_class": CLASSES[majority],
            "majority_class_accuracy": round(float((y_true == majority).mean()), 4),
        },
    }


def macro_f1(y_true, y_pred, np, k: int = len(CLASSES)) -> float:
    """Macro-averaged F1 (classes never predicted nor present count as F1 0, as in `metrics`)."""
    confusion = np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)
    tp = np.diag(confusion).astype(float)
    predicted, support = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros(k), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros(k), where=support > 0)
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros(k), where=denominator > 0)
    return float(f1.mean())


def temperature_scale(proba, temperature: float, np):
    """Probabilities raised to 1/T and renormalised (softmax of log-probabilities over T)."""
    logits = np.log(np.clip(proba, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(proba, y, np) -> float:
    """The temperature that minimises the negative log-likelihood of `y` (a fine grid over log T)."""
    grid = np.exp(np.linspace(np.log(0.05), np.log(50.0), 2001))
    losses = [-np.log(np.clip(temperature_scale(proba, t, np)[np.arange(len(y)), y], 1e-12, 1)).mean() for t in grid]
    return float(grid[int(np.argmin(losses))])


def reliability(proba, y, np, bins: int = RELIABILITY_BINS) -> tuple[float, list[dict]]:
    """Expected calibration error of the top class, and the reliability table behind it (bins of confidence)."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    edges = np.linspace(0, 1, bins + 1)
    table, ece = [], 0.0
    for i in range(bins):
        upper = confidence <= edges[i + 1] if i == bins - 1 else confidence < edges[i + 1]
        in_bin = (confidence >= edges[i]) & upper
        n = int(in_bin.sum())
        if n == 0:
            continue
        mean_confidence, accuracy = float(confidence[in_bin].mean()), float(correct[in_bin].mean())
        ece += n / len(y) * abs(mean_confidence - accuracy)
        table.append({"from": round(float(edges[i]), 2), "to": round(float(edges[i + 1]), 2), "tickets": n,
                      "mean_confidence": round(mean_confidence, 4), "accuracy": round(accuracy, 4)})
    return round(ece, 4), table


def review_threshold(proba, y, target: float, np) -> float | None:
    """The lowest confidence at which the tickets above reach `target` precision (at least MIN_AUTO_ASSIGNED
    of them), or None when no threshold does."""
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == y).astype(float)
    order = np.argsort(-confidence, kind="stable")
    running = np.cumsum(correct[order]) / np.arange(1, len(y) + 1)
    best = None
    for i in range(len(y)):
        # A threshold sits at a confidence value: take all tickets tied with this one.
        if i + 1 < len(y) and confidence[order[i + 1]] == confidence[order[i]]:
            continue
        if i + 1 >= MIN_AUTO_ASSIGNED and running[i] >= target:
            best = float(confidence[order[i]])
    return best


def coverage_at(proba, y, threshold: float | None, np) -> dict:
    """The share of tickets at or above `threshold`, and how often their prediction is right."""
    if threshold is None:
        return {"coverage": 0.0, "precision": None, "tickets": 0}
    chosen = proba.max(axis=1) >= threshold
    n = int(chosen.sum())
    precision = float((proba.argmax(axis=1)[chosen] == y[chosen]).mean()) if n else None
    return {"coverage": round(n / len(y), 4), "precision": None if precision is None else round(precision, 4),
            "tickets": n}


def cross_fitted_review(proba, y, fold, target: float, np) -> dict:
    """What the review threshold gives on tickets it was not chosen on: each fold's tickets at the threshold chosen
    on the other folds' (the threshold the model ships with is chosen on all of them)."""
    chosen = right = 0
    for f in range(int(fold.max()) + 1):
        mine, others = fold == f, fold != f
        threshold = review_threshold(proba[others], y[others], target, np)
        if threshold is None:
            continue
        auto = proba[mine].max(axis=1) >= threshold
        chosen += int(auto.sum())
        right += int((proba[mine].argmax(axis=1)[auto] == y[mine][auto]).sum())
    return {"coverage": round(chosen / len(y), 4), "precision": round(right / chosen, 4) if chosen else None,
            "tickets": chosen, "measured": "each fold's tickets at the threshold chosen on the other folds'"}


def chance_test(y_true, y_pred, seed: int, np) -> dict:
    """Is macro-F1 better than chance? A permutation test (labels shuffled against the predictions) and a
    bootstrap 95% interval of macro-F1."""
    rng = np.random.RandomState(seed)
    observed = macro_f1(y_true, y_pred, np)
    permuted = np.array([macro_f1(rng.permutation(y_true), y_pred, np) for _ in range(PERMUTATIONS)])
    p_value = (1 + int((permuted >= observed).sum())) / (1 + PERMUTATIONS)
    n = len(y_true)
    boot = [macro_f1(y_true[idx], y_pred[idx], np) for idx in (rng.randint(0, n, n) for _ in range(1000))]
    return {
        "macro_f1": round(observed, 4),
        "chance_macro_f1": round(float(permuted.mean()), 4),
        "p_value": round(p_value, 4),
        "macro_f1_ci95": [round(float(np.percentile(boot, 2.5)), 4), round(float(np.percentile(boot, 97.5)), 4)],
        "better_than_chance": bool(p_value < SIGNIFICANCE),
        "test": f"permutation test of macro-F1 on the out-of-fold predictions, {PERMUTATIONS} shuffles, significance "
                f"{SIGNIFICANCE}",
    }


def oblivious_trees_onnx(model, n_features: int, doc: str, onnx, np):
    """The model's oblivious trees as one vectorized ONNX graph, input `features` [N, n_features], output
    `probabilities` [N, classes]. The trees start from the text layer's scores, the last `classes` features (their
    baseline when they were trained): the graph adds those to the trees' sum before the softmax.

    CatBoost's own export writes a TreeEnsembleClassifier, which onnxruntime walks tree by tree and row by row
    (about 15 µs per ticket for 300 trees of depth 6 on one thread). An oblivious tree asks the same question at
    every node of a level, so a row's leaf is the number whose bit d says whether feature f_d exceeds border b_d.
    The graph answers every distinct question (feature, border) once for the whole batch (300 trees ask 1,776
    questions, 479 of them distinct), weighs each tree's answers into its leaf number with one small integer matrix
    product, and looks up the leaves' values. Trees are looked up two at a time, in a table of every pair of their
    leaves with the two values summed: onnxruntime's Gather pays about 10 ns per index whatever it copies, so half
    the indices is nearly half the time. Then the values are summed over the trees and go through the softmax. The
    same trees and arithmetic; the parity check below holds it to CatBoost's own probabilities.
    """
    TensorProto, helper, numpy_helper = onnx.TensorProto, onnx.helper, onnx.numpy_helper
    with tempfile.TemporaryDirectory(prefix="train-trees-") as tmp:
        path = Path(tmp) / "model.json"
        model.save_model(str(path), format="json")
        trees_json = json.loads(path.read_text(encoding="utf-8"))
    trees = trees_json["oblivious_trees"]
    flat_index = {f["feature_index"]: f["flat_feature_index"] for f in trees_json["features_info"]["float_features"]}
    classes = len(CLASSES)
    depth = max(len(tree["splits"]) for tree in trees)
    if depth < 1:
        raise TrainError("the model has no splits to export")
    leaves = 2 ** depth
    # Pairs of trees while the pair table stays small (64 KiB a pair at depth 6); deeper trees one at a time.
    per_lookup = 2 if depth <= 6 else 1
    count = -(-len(trees) // per_lookup) * per_lookup  # padded with trees that add nothing
    # A tree shallower than the deepest is padded with splits no value passes (x > +inf is false, NaN too).
    split_features = np.zeros((count, depth), np.int64)
    split_borders = np.full((count, depth), np.inf, np.float32)
    leaf_values = np.zeros((count, leaves, classes), np.float64)
    for t, tree in enumerate(trees):
        for d, split in enumerate(tree["splits"]):
            if split["split_type"] != "FloatFeature":
                raise TrainError(f"cannot export a split of type {split['split_type']} (numeric features only)")
            split_features[t, d] = flat_index[split["float_feature_index"]]
            split_borders[t, d] = split["border"]
        values = np.asarray(tree["leaf_values"], np.float64).reshape(-1, classes)
        leaf_values[t, :len(values)] = values
    scale, bias = trees_json["scale_and_bias"]
    bias = np.asarray(bias if isinstance(bias, list) else [bias] * classes, np.float32)
    questions = sorted(set(zip(split_features.ravel().tolist(), split_borders.ravel().tolist())))
    question_of = {q: i for i, q in enumerate(questions)}
    split_questions = [question_of[q] for q in zip(split_features.ravel().tolist(), split_borders.ravel().tolist())]
    lookups = count // per_lookup
    if per_lookup == 2:  # table[p, a, b] = tree 2p's leaf a + tree 2p+1's leaf b
        table = leaf_values[0::2, :, None, :] + leaf_values[1::2, None, :, :]
    else:
        table = leaf_values
    table_rows = leaves ** per_lookup

    def constant(name: str, value):
        return numpy_helper.from_array(np.asarray(value), name)

    initializers = [
        constant("question_features", np.asarray([q[0] for q in questions], np.int64)),
        constant("question_borders", np.asarray([q[1] for q in questions], np.float32).reshape(-1, 1)),
        constant("split_questions", np.asarray(split_questions, np.int64)),
        constant("splits_shape", np.asarray([count, depth, -1], np.int64)),
        constant("bit_weights", (2 ** np.arange(depth)).astype(np.uint8).reshape(1, depth)),
        constant("lookups_shape", np.asarray([lookups, per_lookup, -1], np.int64)),
        constant("pair_weights", np.asarray([[leaves, 1][-per_lookup:]], np.int32)),
        constant("level_axis", np.asarray([1], np.int64)),
        constant("lookup_axis", np.asarray([0], np.int64)),
        constant("table_offsets", (np.arange(lookups) * table_rows).astype(np.int32).reshape(lookups, 1)),
        constant("leaf_values", (table * scale).reshape(lookups * table_rows, classes).astype(np.float32)),
        constant("bias", bias),
        constant("baseline_starts", np.asarray([n_features - classes], np.int64)),
        constant("baseline_ends", np.asarray([n_features], np.int64)),
        constant("baseline_axes", np.asarray([1], np.int64)),
    ]
    node = helper.make_node
    nodes = [
        # Features as rows [F, N], so that the gather copies whole rows rather than one value at a time.
        node("Transpose", ["features"], ["columns"], perm=[1, 0]),
        node("Gather", ["columns", "question_features"], ["question_values"], axis=0),  # [questions, N]
        node("Greater", ["question_values", "question_borders"], ["answers"]),
        node("Cast", ["answers"], ["answer_bits"], to=TensorProto.UINT8),
        node("Gather", ["answer_bits", "split_questions"], ["bits"], axis=0),  # [trees × depth, N]
        node("Reshape", ["bits", "splits_shape"], ["bits_by_tree"]),  # [trees, depth, N]
        node("MatMulInteger", ["bit_weights", "bits_by_tree"], ["leaf_by_tree"]),  # [trees, 1, N], int32
        node("Reshape", ["leaf_by_tree", "lookups_shape"], ["leaves_by_lookup"]),  # [lookups, trees per lookup, N]
        node("MatMul", ["pair_weights", "leaves_by_lookup"], ["row_by_lookup"]),  # [lookups, 1, N]
        node("Squeeze", ["row_by_lookup", "level_axis"], ["row"]),
        node("Add", ["row", "table_offsets"], ["table_row"]),
        node("Gather", ["leaf_values", "table_row"], ["lookup_values"], axis=0),  # [lookups, N, classes]
        node("ReduceSum", ["lookup_values", "lookup_axis"], ["raw"], keepdims=0),
        node("Add", ["raw", "bias"], ["tree_logits"]),
        node("Slice", ["features", "baseline_starts", "baseline_ends", "baseline_axes"], ["baseline"]),
        node("Add", ["tree_logits", "baseline"], ["logits"]),
        node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "ticket_priority",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", n_features])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", classes])],
        initializers, doc_string=doc)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8,
                                   producer_name="models/train.py", doc_string=doc)
    onnx.checker.check_model(onnx_model)
    return onnx_model


def nan_injected(x, np, seed: int, numeric_columns: int):
    """Copies of some rows with NaNs in the leading numeric columns, to check missing-value handling."""
    rng = np.random.RandomState(seed + 1)
    rows = x[rng.choice(len(x), size=min(len(x), 40), replace=False)].copy()
    for i in range(len(rows)):
        cols = rng.choice(numeric_columns, size=1 + i % numeric_columns, replace=False)
        rows[i, cols] = np.nan
    return rows


def compact_json(doc: dict) -> str:
    """JSON with one line per key and one line per element of `rows` (reviewable diffs, small file)."""
    lines = []
    for key, value in doc.items():
        if key == "rows":
            rows = ",\n".join("  " + json.dumps(r, separators=(",", ":")) for r in value)
            lines.append(f' "rows": [\n{rows}\n ]')
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    libs = import_libraries()
    np, pd, catboost, onnx, ort = (libs[n] for n in ("numpy", "pandas", "catboost", "onnx", "onnxruntime"))
    import scipy.sparse as sp
    started = time.time()

    matrix_path = Path(args.matrix).resolve()
    x, y, feature_names, spec_version, matrix_meta = load_matrix(matrix_path, np, pd)
    data_sha = sha256_file(matrix_path)
    terms = load_terms(matrix_path, matrix_meta, len(y), np)
    fold = fold_of_rows(y, args.folds, args.seed, np)
    folds = int(fold.max()) + 1

    layer_started = time.time()
    layer = fit_text_layer(terms, y, fold, args.text_c, args.class_weights == "balanced", args.threads, np, sp)
    scores = layer["oof"].astype(np.float32)
    x = np.hstack([x, scores])
    feature_names = feature_names + TEXT_SCORE_NAMES
    layer_alone = metrics(y, scores.argmax(axis=1), y, np)
    print(f"train.py: text layer: {layer['terms_seen']} terms seen, C {layer['c']}, scale {layer['scale']}, fitted in "
          f"{time.time() - layer_started:.1f}s; alone, out of fold, macro-F1 {layer_alone['macro_f1']:.4f}")

    # A dropped feature keeps its column (the model's input stays the feature spec) but holds nothing to learn.
    dropped = [i for i, name in enumerate(feature_names) if any(name.startswith(p) for p in args.drop_prefix)]
    if dropped:
        x = x.copy()
        x[:, dropped] = 0
    if any(feature_names[i] in TEXT_SCORE_NAMES for i in dropped):
        # The graph adds the text layer's live scores to the trees': a model blind to them exports a layer that
        # scores every ticket 0.
        for key in ("coef", "intercept", "weights", "bias"):
            layer[key][:] = 0
    print(f"train.py: {len(y)} rows x {len(feature_names)} features ({matrix_path.name}, sha256 {data_sha[:12]}); "
          f"{folds} folds of about {len(y) // folds}"
          + (f"; {len(dropped)} features dropped ({', '.join(args.drop_prefix)}*)" if dropped else ""))

    def pool(rows, labels=None):
        """Rows for CatBoost, starting from their text layer scores (the last columns): the trees add to them."""
        return catboost.Pool(rows, labels, baseline=rows[:, -len(CLASSES):].astype(np.float64))

    def trees(iterations: int):
        return catboost.CatBoostClassifier(
            loss_function="MultiClass", iterations=iterations, depth=args.depth, learning_rate=args.learning_rate,
            random_seed=args.seed, thread_count=args.threads, class_names=list(range(len(CLASSES))), verbose=False,
            allow_writing_files=False,
            # The text layer's scores are where the trees start, not what they split on: out of fold they are
            # noisy, and splits on them learnt that noise (bench/HISTORY.md, "Reading real text").
            ignored_features=list(range(x.shape[1] - len(CLASSES), x.shape[1])),
            # Trees are counted by what the model is judged by, not the log-loss: trees that only sharpen the text
            # layer's probabilities can lower macro-F1 while they lower the loss. They are not weighted by class:
            # they start from the text layer's scores, whose classes already are, and weighting both favoured the
            # rare classes twice.
            eval_metric=EVAL_METRIC,
        )

    # Fold by fold: each fold's trees learn from the other folds and predict it. Boosting stops once a fold's
    # macro-F1 has not improved for a while; the final model keeps the number of trees whose macro-F1, averaged
    # over the folds, is best. Where the label carries no signal that is a handful of trees near a constant guess,
    # not trees that memorised noise.
    fold_models, curves = [], []
    for f in range(folds):
        fit, held = fold != f, fold == f
        model = trees(args.iterations)
        model.fit(pool(x[fit], y[fit]), eval_set=pool(x[held], y[held]),
                  early_stopping_rounds=None if args.keep_all_trees else EARLY_STOPPING_ROUNDS, use_best_model=False)
        fold_models.append(model)
        curves.append(model.get_evals_result()["validation"][EVAL_METRIC])
    common = min(len(c) for c in curves)
    mean_curve = np.mean([c[:common] for c in curves], axis=0)
    best_iteration = args.iterations if args.keep_all_trees else int(np.argmax(mean_curve)) + 1
    proba = np.zeros((len(y), len(CLASSES)))
    for f, model in enumerate(fold_models):
        proba[fold == f] = model.predict_proba(pool(x[fold == f]), ntree_end=best_iteration)
    held_out = metrics(y, proba.argmax(axis=1), y, np)

    model = trees(best_iteration)
    model.fit(pool(x, y))
    fit_seconds = time.time() - started
    train_acc = float((model.predict_proba(pool(x)).argmax(axis=1) == y).mean())
    print(f"train.py: trained in {fit_seconds:.1f}s; out of fold accuracy {held_out['accuracy']:.4f}, macro-F1 "
          f"{held_out['macro_f1']:.4f} (chance {held_out['chance_baseline']['uniform_accuracy']}, majority class "
          f"{held_out['chance_baseline']['majority_class_accuracy']}); {best_iteration} of {args.iterations} trees "
          f"kept (best macro-F1 over the folds); the final model, on all {len(y)} rows: train accuracy {train_acc:.4f}")

    # Calibration and the review threshold come from the out-of-fold probabilities; the threshold's own figures
    # from tickets it was not chosen on.
    temperature = fit_temperature(proba, y, np)
    calibrated = temperature_scale(proba, temperature, np)
    ece_before, _ = reliability(proba, y, np)
    ece_after, reliability_table = reliability(calibrated, y, np)
    verdict = chance_test(y, proba.argmax(axis=1), args.seed + 4, np)
    better = verdict["better_than_chance"]
    threshold = review_threshold(calibrated, y, args.target_precision, np) if better else None
    at_threshold = cross_fitted_review(calibrated, y, fold, args.target_precision, np) if better \
        else {"coverage": 0.0, "precision": None, "tickets": 0}
    curve = []
    for t in np.round(np.arange(0.25, 1.0001, 0.025), 3):
        point = coverage_at(calibrated, y, float(t), np)
        curve.append({"threshold": float(t), "coverage": point["coverage"], "precision": point["precision"]})
    print(f"train.py: temperature {temperature:.3f}; expected calibration error {ece_before:.4f} -> {ece_after:.4f}; "
          f"macro-F1 {verdict['macro_f1']} vs chance {verdict['chance_macro_f1']} (p = {verdict['p_value']}): "
          f"{'better than chance' if better else 'NOT better than chance: every ticket goes to review'}; "
          f"threshold {threshold if threshold is None else round(threshold, 4)} -> out of fold coverage "
          f"{at_threshold['coverage']}, precision {at_threshold['precision']} (target {args.target_precision})")

    today = dt.datetime.now(dt.timezone.utc)
    model_version = f"priority-{today:%Y%m%d}-{data_sha[:8]}"
    out_dir = Path(args.out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="train-onnx-") as tmp:
        onnx_tmp = Path(tmp) / "priority.onnx"
        doc = f"Ticket priority ({', '.join(CLASSES)}); {model_version}; features {spec_version}"
        onnx_model = oblivious_trees_onnx(model, x.shape[1], doc, onnx, np)
        onnx.save(onnx_model, str(onnx_tmp))
        input_name, output_name = onnx_model.graph.input[0].name, onnx_model.graph.output[0].name

        # Parity: the ONNX model against CatBoost's own probabilities.
        session = ort.InferenceSession(str(onnx_tmp), providers=["CPUExecutionProvider"])
        rng = np.random.RandomState(args.seed + 2)
        checked_rows = np.sort(rng.choice(len(y), size=min(len(y), PARITY_CHECK_ROWS), replace=False))
        checks = np.concatenate([x[checked_rows], nan_injected(x, np, args.seed, 4)])
        expected = model.predict_proba(pool(checks))
        got = session.run([output_name], {input_name: checks})[0]
        if got.shape != expected.shape:
            raise TrainError(f"ONNX probabilities have shape {got.shape}, CatBoost's {expected.shape}")
        max_diff = float(np.abs(got - expected).max())
        if not max_diff <= PARITY_TOLERANCE:
            raise TrainError(f"ONNX and CatBoost probabilities differ by {max_diff} (> {PARITY_TOLERANCE})")
        print(f"train.py: ONNX matches CatBoost on {len(checks)} rows (incl. NaN-injected); "
              f"max abs diff {max_diff:.2e}")
        onnx_bytes = onnx_tmp.read_bytes()

    # The parity sample for the Deno test: feature rows first, then some rows with NaN features.
    n_sample = min(args.parity_rows, len(y))
    sample_rows = x[np.sort(rng.choice(len(y), size=n_sample, replace=False))]
    sample_rows = np.concatenate([sample_rows, nan_injected(x, np, args.seed, 4)[:10]])
    sample_proba = model.predict_proba(pool(sample_rows))

    def cell(v: float):
        return None if math.isnan(v) else float(v)

    # The text layer as exported against scikit-learn's own scores (the folds' regressions averaged), on every row;
    # a sample of them for the Deno parity test (each row's terms as bucket counts, and the scores they must give).
    layer_bin = text_layer_bytes(layer, np)
    averaged = layer["x"] @ layer["coef"].T + layer["intercept"]
    layer_diff = float(np.abs(exported_scores(terms, layer, np, sp) - averaged).max())
    if not layer_diff <= TEXT_LAYER_TOLERANCE:
        raise TrainError(f"the exported text layer's scores differ from scikit-learn's by {layer_diff}")
    layer_rows = np.sort(rng.choice(len(y), size=min(50, len(y)), replace=False))

    def term_counts(row: int):
        counts = terms[row]
        return [[int(b), int(c)] for b, c in zip(counts.indices, counts.data)]

    parity = {
        "about": "Feature rows (null = NaN; the last rows have NaNs injected) with CatBoost's own predict_proba; "
                 "the Deno parity test runs priority.onnx on them. text_layer: rows' terms (bucket, count) with "
                 "the scores scikit-learn's averaged regressions give them.",
        "model_version": model_version,
        "classes": CLASSES,
        "feature_names": feature_names,
        "tolerance": PARITY_TOLERANCE,
        "rows": [{"features": [cell(v) for v in row], "probabilities": [float(p) for p in probs]}
                 for row, probs in zip(sample_rows.tolist(), sample_proba.tolist())],
        "text_layer": {"tolerance": TEXT_LAYER_TOLERANCE,
                       "rows": [{"terms": term_counts(r), "scores": [float(v) for v in averaged[r]]} for r in layer_rows]},
    }

    metadata = {
        "model_version": model_version,
        "created_at": today.replace(microsecond=0).isoformat(),
        "classes": CLASSES,
        "feature_spec_version": spec_version,
        "feature_names": feature_names,
        # The categorical values the features were encoded over (learned from these tickets by the feature module):
        # scoring rebuilds the same columns from them.
        "vocabularies": matrix_meta["vocabularies"],
        "text_layer": {
            "file": "text_layer.bin", "sha256": hashlib.sha256(layer_bin).hexdigest(), "bytes": len(layer_bin),
            "buckets": int(terms.shape[1]), "classes": len(CLASSES), "terms_seen": layer["terms_seen"],
            "model": "logistic regression over (1 + ln count) * idf, scaled to unit length",
            "c": layer["c"], "folds": layer["folds"], "scale": layer["scale"],
            "weights": "the folds' regressions averaged, times scale (fitted on their out-of-fold scores)", 
            "out_of_fold_macro_f1_alone": layer_alone["macro_f1"],
            "parity_max_abs_diff": layer_diff,
        },
        "onnx": {
            "file": "priority.onnx",
            "sha256": hashlib.sha256(onnx_bytes).hexdigest(),
            "bytes": len(onnx_bytes),
            "input": input_name,
            "probabilities_output": output_name,
            "note": "CatBoost's oblivious trees as one vectorized graph (models/train.py, oblivious_trees_onnx); "
                    "probabilities is a float tensor [N, 4] in class order",
        },
        "training_data": {
            "matrix_sha256": data_sha,
            "rows": int(len(y)),
            "folds": folds,
            "evaluation": f"{folds}-fold cross-validation, stratified and seeded: every ticket's figures come from "
                          f"models fitted on the other folds; the final model learnt from all {len(y)} tickets",
            "label_counts": {c: int((y == i).sum()) for i, c in enumerate(CLASSES)},
            "sources": args.source or matrix_meta.get("sources", []),
        },
        "params": {
            "loss_function": "MultiClass", "iterations": args.iterations, "depth": args.depth,
            "learning_rate": args.learning_rate, "random_seed": args.seed, "folds": folds,
            "class_weights": args.class_weights, "baseline": "the text layer's scores (the trees add to them)",
            "dropped_feature_prefixes": args.drop_prefix, "early_stopping_rounds": EARLY_STOPPING_ROUNDS,
            "iterations_kept": best_iteration, "iterations_chosen_by": "macro-F1 averaged over the folds",
        },
        # "held_out": out of fold, every ticket predicted by trees and a text layer that never saw it.
        "metrics": {"held_out": held_out, "held_out_is": "out of fold", "train_accuracy": round(train_acc, 4)},
        "calibration": {
            "method": "temperature",
            "temperature": round(temperature, 6),
            "fitted_on": f"the out-of-fold probabilities of {len(y)} tickets (negative log-likelihood)",
            "expected_calibration_error": {"before": ece_before, "after": ece_after,
                                           "on": f"{len(y)} tickets out of fold, {RELIABILITY_BINS} bins"},
            "reliability": reliability_table,
        },
        "review": {
            "target_precision": args.target_precision,
            "threshold": None if threshold is None else round(threshold, 6),
            "rule": "a ticket needs review when the model is not better than chance, or its calibrated "
                    "confidence is below the threshold",
            "held_out": at_threshold,
            "chance": verdict,
            "precision_coverage": curve,
        },
        "parity": {"rows_checked": int(len(checks)), "max_abs_diff": max_diff, "tolerance": PARITY_TOLERANCE,
                   "sample": "parity_sample.json"},
        "versions": {"catboost": catboost.__version__, "onnx": onnx.__version__, "onnxruntime": ort.__version__,
                     "python": sys.version.split()[0]},
        "training_seconds": round(time.time() - started, 1),
    }

    # Write the model last-but-one and the metadata last, each atomically, so a reader never pairs a new
    # model with old metadata for long.
    def write(name: str, data: bytes):
        tmp = out_dir / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, out_dir / name)

    # CatBoost's own format too: the benchmark's Python reference scores with it (the app never reads it).
    with tempfile.TemporaryDirectory(prefix="train-cbm-") as tmp:
        cbm_tmp = Path(tmp) / "priority.cbm"
        model.save_model(str(cbm_tmp), format="cbm")
        write("priority.cbm", cbm_tmp.read_bytes())
    write("parity_sample.json", compact_json(parity).encode())
    write("text_layer.bin", layer_bin)
    write("priority.onnx", onnx_bytes)
    write("priority.json", (json.dumps(metadata, indent=2) + "\n").encode())
    # Each matrix row's out-of-fold prediction, so that another model can be measured on the very same tickets.
    write("out_of_fold.json", (json.dumps({"classes": CLASSES, "predicted": proba.argmax(axis=1).tolist()})
                               + "\n").encode())
    print(f"train.py: wrote {out_dir}/priority.onnx ({len(onnx_bytes) / 1024:.0f} KiB), priority.cbm, priority.json, "
          f"parity_sample.json, out_of_fold.json; model_version {model_version}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except TrainError as e:
        print(f"train.py: error: {e}", file=sys.stderr)
        sys.exit(2)
