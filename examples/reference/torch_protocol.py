#!/usr/bin/env python3
"""The benchmark protocol of docs/benchmark.md in plain PyTorch, for side-by-side runs with DML4J.

pytorch-metric-learning itself is not installable here (PyPI is out of reach), so this script
re-implements what its recipe does for the two losses whose zero-shot figures vary most between
seeds: contrastive loss with a pair-margin miner (pytorch-metric-learning's ContrastiveLoss,
PairMarginMiner and AvgNonZeroReducer semantics on L2-normalized embeddings) and softmax plus
center loss (centres moved by SGD at rate 0.5 on the centre term's gradient divided by lambda).
Everything else follows the protocol: ConvNet-S, M-per-class batches (distinct classes per batch,
as MPerClassSampler with batch_size), batch 128, Adam lr 1e-3, 5 epochs, 2 threads, every test
image a query against all others with raw Euclidean distance, k = the largest class size.

Needs Debian's PyTorch (apt-get install python3-torch) and the Fashion-MNIST files
(apt-get install dataset-fashion-mnist). One run prints one JSON line:

    /usr/bin/python3 examples/reference/torch_protocol.py --loss contrastive --split zeroshot --seed 0
"""
import argparse
import gzip
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = '/usr/share/datasets/fashion-mnist/'
MEAN, STD = 0.2860, 0.3530
LAMBDA, CENTER_RATE = 0.01, 0.5


def read_idx(path, offset):
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load(data, split):
    xtr = read_idx(data + 'train-images-idx3-ubyte.gz', 16).reshape(-1, 1, 28, 28)
    ytr = read_idx(data + 'train-labels-idx1-ubyte.gz', 8).astype(np.int64)
    xte = read_idx(data + 't10k-images-idx3-ubyte.gz', 16).reshape(-1, 1, 28, 28)
    yte = read_idx(data + 't10k-labels-idx1-ubyte.gz', 8).astype(np.int64)
    if split == 'zeroshot':
        tr, te = ytr < 5, yte >= 5
        xtr, ytr, xte, yte = xtr[tr], ytr[tr], xte[te], yte[te] - 5

    def tensor(x):
        return (torch.from_numpy(x.astype(np.float32)) / 255.0 - MEAN) / STD
    return tensor(xtr), ytr, tensor(xte), torch.from_numpy(yte)


class ConvNetS(nn.Module):
    def __init__(self, embedding=64):
        super().__init__()

        def stage(i, o):
            return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU()]
        self.features = nn.Sequential(*stage(1, 32), nn.MaxPool2d(2), *stage(32, 64), nn.MaxPool2d(2),
                                      *stage(64, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.projection = nn.Linear(128, embedding)

    def forward(self, x):
        return self.projection(self.features(x))


def m_per_class_batches(by_class, classes, m, batch_size, length, rng):
    """One epoch of batches; like pytorch-metric-learning's sampler it shuffles one class list in place."""
    for _ in range(length // batch_size):
        rng.shuffle(classes)
        yield np.concatenate([rng.choice(by_class[c], m, replace=len(by_class[c]) < m)
                              for c in classes[:batch_size // m]])


def mean_non_zero(losses):
    count = (losses > 0).sum()
    return losses.sum() / count if count > 0 else (losses * 0).sum()


def contrastive_with_pair_margin_miner(embeddings, labels, pos_margin=0.0, neg_margin=1.0):
    normalized = F.normalize(embeddings, dim=1)
    d = torch.cdist(normalized, normalized)
    same = labels[:, None] == labels[None, :]
    pos = d[same & ~torch.eye(len(labels), dtype=torch.bool)]
    neg = d[~same]
    pos, neg = pos[pos > pos_margin], neg[neg < neg_margin]
    return mean_non_zero(F.relu(pos - pos_margin)) + mean_non_zero(F.relu(neg_margin - neg))


def retrieval(embeddings, labels):
    d = torch.cdist(embeddings, embeddings)
    d.fill_diagonal_(float('inf'))
    counts = torch.bincount(labels)
    k = int(counts.max()) - 1
    match = (labels[d.topk(k, largest=False).indices] == labels[:, None]).float()
    r = (counts[labels] - 1).float()
    ranks = torch.arange(1, k + 1).float()
    within_r = ranks[None, :] <= r[:, None]
    precision_at_i = torch.cumsum(match, 1) / ranks
    return {'precision_at_1': round(match[:, 0].mean().item(), 4),
            'r_precision': round(((match * within_r).sum(1) / r).mean().item(), 4),
            'mean_average_precision_at_r': round(((precision_at_i * match * within_r).sum(1) / r).mean().item(), 4)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--loss', choices=['contrastive', 'center'], default='contrastive')
    p.add_argument('--split', choices=['standard', 'zeroshot'], default='zeroshot')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--epochs', type=int, default=5)
    p.add_argument('--data', default=DATA)
    a = p.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    rng = np.random.RandomState(a.seed)
    start = time.time()
    xtr, ytr, xte, yte = load(a.data, a.split)
    classes = len(np.unique(ytr))
    m = 32 if a.split == 'zeroshot' else 16
    net = ConvNetS()
    classifier = nn.Linear(64, classes)
    centres = nn.Parameter(torch.zeros(classes, 64))
    params = list(net.parameters()) + (list(classifier.parameters()) if a.loss == 'center' else [])
    adam = torch.optim.Adam(params, lr=1e-3)
    centre_sgd = torch.optim.SGD([centres], lr=CENTER_RATE)
    by_class = {c: np.where(ytr == c)[0] for c in np.unique(ytr)}
    classes_order = list(by_class)
    rates = []
    for epoch in range(a.epochs):
        net.train()
        epoch_start, images = time.time(), 0
        for batch in m_per_class_batches(by_class, classes_order, m, 128, len(ytr), rng):
            x, y = xtr[batch], torch.from_numpy(ytr[batch])
            e = net(x)
            adam.zero_grad()
            centre_sgd.zero_grad()
            if a.loss == 'center':
                loss = F.cross_entropy(classifier(e), y) + LAMBDA * 0.5 * ((e - centres[y]) ** 2).sum(1).mean()
                loss.backward()
                centres.grad.mul_(1.0 / LAMBDA)
                centre_sgd.step()
            else:
                loss = contrastive_with_pair_margin_miner(e, y)
                loss.backward()
            adam.step()
            images += len(batch)
        if epoch > 0:
            rates.append(images / (time.time() - epoch_start))
    net.eval()
    embed_start = time.time()
    with torch.no_grad():
        embeddings = torch.cat([net(xte[i:i + 1000]) for i in range(0, len(xte), 1000)])
    embed_seconds = time.time() - embed_start
    result = {'library': 'torch-reference', 'torch': torch.__version__, 'loss': a.loss, 'split': a.split,
              'epochs': a.epochs, 'seed': a.seed, **retrieval(embeddings, yte),
              'train_img_per_s': round(float(np.mean(rates))) if rates else None,
              'eval_img_per_s': round(len(xte) / embed_seconds), 'wall_s': round(time.time() - start)}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
