"""scikit-learn's LogisticRegression on DML4J's attribute-probe fixture (AttributeProbeSklearnTest).

    sudo apt-get install python3-sklearn
    examples/run FaceAttributes --identities 80 --epochs 5 --size 32 --probe-share 0.5 \
        --embeddings-out /tmp/attr-fix/embeddings.csv
    /usr/bin/python3 examples/reference/attribute_probe_reference.py \
        --embeddings /tmp/attr-fix/embeddings.csv --out src/test/resources/attributes

Takes the embeddings FaceAttributes wrote for identities its identity model never saw, keeps the
first 30 identities (by name) with their first 10 images, rounds the embeddings to 4 decimals and
writes them as probe-fixture.csv (identity, split, one column per attribute, e0..e63): the first
20 identities are the training split, the last 10 the test split (split by identity). Then, per
attribute with two or more classes on both sides and per class weighting (None, 'balanced'), fits
LogisticRegression(penalty='l2', C=1.0, solver='lbfgs', fit_intercept=True, max_iter=10000,
tol=1e-8) on the training split (multinomial for three or more classes, scikit-learn's default
with lbfgs) and writes its test-split accuracy, balanced accuracy, ROC AUC (binary) and macro-F1
(categorical) to sklearn-probe.json.
"""
import argparse, csv, json, os
import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, roc_auc_score

IDENTITIES, PER_IDENTITY, TRAIN_IDENTITIES = 30, 10, 20

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--embeddings", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    with open(a.embeddings, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    first_e = header.index("e0")
    attributes = header[1:first_e]
    names = sorted({r[0] for r in rows})[:IDENTITIES]
    kept, count = [], {}
    for r in rows:
        if r[0] in names and count.get(r[0], 0) < PER_IDENTITY:
            count[r[0]] = count.get(r[0], 0) + 1
            kept.append(r)
    train_names = set(names[:TRAIN_IDENTITIES])
    split = np.array(["train" if r[0] in train_names else "test" for r in kept])
    x = np.array([[round(float(v), 4) for v in r[first_e:]] for r in kept], dtype=np.float64)
    labels = np.array([[int(v) for v in r[1:first_e]] for r in kept])
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "probe-fixture.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["identity", "split"] + attributes + ["e%d" % j for j in range(x.shape[1])])
        for r, s, lab, e in zip(kept, split, labels, x):
            w.writerow([r[0], s] + list(lab) + ["%.4f" % v for v in e])
    results = []
    train, test = split == "train", split == "test"
    for k, name in enumerate(attributes):
        y = labels[:, k]
        ytr, yte = y[train & (y >= 0)], y[test & (y >= 0)]
        if len(set(ytr)) < 2 or len(set(yte)) < 2:
            continue
        xtr, xte = x[train & (y >= 0)], x[test & (y >= 0)]
        for weight in (None, "balanced"):
            clf = LogisticRegression(penalty="l2", C=1.0, solver="lbfgs", fit_intercept=True, max_iter=10000,
                                     tol=1e-8, class_weight=weight).fit(xtr, ytr)
            pred = clf.predict(xte)
            res = {"attribute": name, "class_weight": weight or "none", "classes": int(y.max()) + 1,
                   "accuracy": accuracy_score(yte, pred), "balanced_accuracy": balanced_accuracy_score(yte, pred)}
            if res["classes"] == 2:
                res["roc_auc"] = roc_auc_score(yte, clf.predict_proba(xte)[:, 1])
            else:
                res["macro_f1"] = f1_score(yte, pred, average="macro")
            results.append(res)
    settings = {"sklearn": sklearn.__version__, "penalty": "l2", "C": 1.0, "solver": "lbfgs", "fit_intercept": True,
                "max_iter": 10000, "tol": 1e-8, "train_identities": TRAIN_IDENTITIES,
                "test_identities": IDENTITIES - TRAIN_IDENTITIES, "images_per_identity": PER_IDENTITY}
    with open(os.path.join(a.out, "sklearn-probe.json"), "w") as f:
        json.dump({"settings": settings, "results": results}, f, indent=1)
    print(json.dumps(results, indent=1))

if __name__ == "__main__":
    main()
