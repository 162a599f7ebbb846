#!/usr/bin/env python3
"""The simple baseline a data team would try first on ticket text: TF-IDF (word 1-2 grams) + logistic regression.

Fits scikit-learn's TfidfVectorizer (word unigrams and bigrams, sublinear term frequency, min_df 2) and a
LogisticRegression (C 1, or chosen by 3-fold cross-validation on the training CSV with --cv) on the subject and the
description together, with and without classes weighted by their inverse frequency, and prints JSON:
`{"rows", "plain": {"macro_f1", "accuracy"}, "balanced": {...}}` on the test CSV. Used by `deno task bench:text`.
"""

import argparse
import json
import sys

CLASSES = ["Low", "Medium", "High", "Critical"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True, help="ticket CSV to fit on (the samples' columns)")
    parser.add_argument("--test", required=True, help="ticket CSV to score and measure")
    parser.add_argument("--cv", action="store_true", help="choose C by 3-fold cross-validation (slower)")
    args = parser.parse_args()
    try:
        import numpy as np
        import pandas as pd
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import accuracy_score, f1_score
        from sklearn.model_selection import GridSearchCV
    except ImportError as error:
        print(f"tfidf_reference.py: {error}; run deno task setup", file=sys.stderr)
        return 2

    def read(path):
        data = pd.read_csv(path, dtype=str, keep_default_na=False)
        text = (data["Ticket Subject"] + "\n" + data["Ticket Description"]).tolist()
        return text, data["Ticket Priority"].map({c: i for i, c in enumerate(CLASSES)}).to_numpy()

    train_text, y = read(args.train)
    test_text, y_test = read(args.test)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    x, x_test = vectorizer.fit_transform(train_text), None
    x_test = vectorizer.transform(test_text)
    out = {"rows": len(y_test)}
    for name, weights in (("plain", None), ("balanced", "balanced")):
        model = LogisticRegression(max_iter=2000, class_weight=weights)
        if args.cv:
            model = GridSearchCV(model, {"C": [0.25, 1, 4, 16]}, scoring="f1_macro", cv=3)
        predicted = model.fit(x, y).predict(x_test)
        out[name] = {"macro_f1": round(float(f1_score(y_test, predicted, average="macro")), 4),
                     "accuracy": round(float(accuracy_score(y_test, predicted)), 4)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
