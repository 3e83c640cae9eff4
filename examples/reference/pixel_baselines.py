#!/usr/bin/env python3
"""Pixel baselines for FaceVerification: raw pixels and whitened PCA (eigenfaces), scored on the
same test pairs, folds and identification protocol as the learned model.

    examples/run FaceVerification --seed 0 --export-pixels target/pixels-0 ...
    python3 examples/reference/pixel_baselines.py target/pixels-0

prints one JSON line per baseline with the figures FaceVerification prints: k-fold accuracy (the
LFW protocol: each fold's threshold is the best of the other folds, the largest on ties), TAR at
FAR 1e-3 (the TAR at the lowest threshold whose FAR is at most 1e-3), and rank-1 of open-set
identification (the first image of every even-numbered test identity enrolled, every other test
image a probe; rank-1 over the probes whose identity is enrolled). Scores are cosine similarities.
PCA (scikit-learn, whiten=True, fitted on the training images only) keeps the components that
explain 95% of the variance, at most 200.
"""
import json
import sys

import numpy as np
from sklearn.decomposition import PCA


def load(folder):
    with open(f"{folder}/meta.json") as f:
        meta = json.load(f)
    shape = (meta["channels"] * meta["height"] * meta["width"],)
    parts = {}
    for part in ("train", "test"):
        raw = np.fromfile(f"{folder}/{part}.u8", dtype=np.uint8).astype(np.float64) / 255.0
        parts[part] = raw.reshape((-1,) + shape)
    return meta, parts


def best_threshold(scores, same):
    """The threshold of highest accuracy ("same" for score >= t), the largest on ties."""
    best_t, best_correct = None, -1
    for t in np.unique(scores):
        correct = np.sum(same & (scores >= t)) + np.sum(~same & (scores < t))
        if correct >= best_correct:
            best_t, best_correct = t, correct
    return best_t


def k_fold_accuracy(scores, same, folds):
    accuracies = []
    for f in np.unique(folds):
        train, test = folds != f, folds == f
        t = best_threshold(scores[train], same[train])
        accuracies.append(np.mean((scores[test] >= t) == same[test]))
    return float(np.mean(accuracies)), float(np.std(accuracies))


def tar_at_far(scores, same, far):
    neg = np.sort(scores[~same])[::-1]
    pos = scores[same]
    best = 0.0
    # thresholds at every distinct score, from the highest: keep the lowest with FAR <= far
    for t in np.unique(scores)[::-1]:
        fa = np.mean(neg >= t)
        if fa > far:
            break
        best = np.mean(pos >= t)
    return float(best)


def rank1(emb, labels):
    gallery, probes, seen = [], [], set()
    for i, label in enumerate(labels):
        if label % 2 == 0 and label not in seen:
            seen.add(label)
            gallery.append(i)
        else:
            probes.append(i)
    gallery = np.array(gallery)
    mated = np.array([i for i in probes if labels[i] in seen])
    sims = emb[mated] @ emb[gallery].T
    predicted = labels[gallery][np.argmax(sims, axis=1)]
    return float(np.mean(predicted == labels[mated]))


def evaluate(name, train, test, meta):
    test = test / np.linalg.norm(test, axis=1, keepdims=True).clip(1e-12)
    first, second = np.array(meta["pair_first"]), np.array(meta["pair_second"])
    same, folds = np.array(meta["pair_same"], dtype=bool), np.array(meta["pair_fold"])
    scores = np.sum(test[first] * test[second], axis=1)
    mean, std = k_fold_accuracy(scores, same, folds)
    labels = np.array(meta["test_labels"])
    return {"baseline": name, "seed": meta["seed"], f"verification_{len(np.unique(folds))}fold_accuracy": round(mean, 4),
            "std": round(std, 4), "tar_at_far_0.001": round(tar_at_far(scores, same, 1e-3), 4),
            "rank_1": round(rank1(test, labels), 4)}


def main(folder):
    meta, parts = load(folder)
    train, test = parts["train"], parts["test"]
    mean = train.mean(axis=0)
    print(json.dumps(evaluate("raw_pixels", train - mean, test - mean, meta)))
    pca = PCA(n_components=0.95, whiten=True, svd_solver="full", random_state=0).fit(train)
    pca_result = evaluate("whitened_pca", None, pca.transform(test), meta)
    pca_result["components"] = int(min(pca.n_components_, 200))
    if pca.n_components_ > 200:
        pca = PCA(n_components=200, whiten=True, random_state=0).fit(train)
        pca_result = evaluate("whitened_pca", None, pca.transform(test), meta) | {"components": 200}
    print(json.dumps(pca_result))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: pixel_baselines.py FOLDER (written by FaceVerification --export-pixels FOLDER)")
    main(sys.argv[1])
