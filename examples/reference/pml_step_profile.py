"""Where a training step's time goes in pytorch-metric-learning, on the benchmark protocol
(docs/benchmark.md): ConvNet-S, Fashion-MNIST, M-per-class batches of 128 (m = 16), Adam 1e-3.
The same phases as `examples/run StepProfile` (data, forward, mining, loss, backward, optimizer),
each timed on its own; prints one JSON line of median milliseconds per phase.

    sudo apt-get install python3-torch dataset-fashion-mnist
    PYTHONPATH=path/to/pytorch-metric-learning/src /usr/bin/python3 examples/reference/pml_step_profile.py --loss triplet
"""
import argparse, json, os, time
import numpy as np
import torch
import torch.nn as nn
from pytorch_metric_learning import losses, miners, samplers

from pml_protocol import ConvNetS, read_idx  # the same network and reader as the benchmark runs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loss", default="triplet", choices=["triplet", "contrastive", "multisim"])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    xs = read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz"))
    ys = torch.tensor(read_idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    xs = ((torch.tensor(xs, dtype=torch.float32) / 255.0 - 0.2860) / 0.3530).unsqueeze(1)
    model = ConvNetS()
    if a.loss == "triplet":
        loss_fn, miner = losses.TripletMarginLoss(margin=0.2), miners.TripletMarginMiner(margin=0.2, type_of_triplets="semihard")
    elif a.loss == "contrastive":
        loss_fn, miner = losses.ContrastiveLoss(pos_margin=0, neg_margin=1), miners.PairMarginMiner(pos_margin=0, neg_margin=1)
    else:
        loss_fn, miner = losses.MultiSimilarityLoss(alpha=2, beta=50, base=0.5), miners.MultiSimilarityMiner(epsilon=0.1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sampler = samplers.MPerClassSampler(ys, m=16, batch_size=128, length_before_new_iter=len(ys))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xs, ys), batch_size=128, sampler=sampler,
                                         drop_last=True)
    names = ["data", "forward", "mining", "loss", "backward", "optimizer", "total"]
    times = [[] for _ in names]
    it = iter(loader)
    model.train()
    for s in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        try:
            x, y = next(it)
        except StopIteration:
            it = iter(loader)
            x, y = next(it)
        t1 = time.perf_counter()
        opt.zero_grad()
        e = model(x)
        t2 = time.perf_counter()
        tuples = miner(e, y)
        t3 = time.perf_counter()
        value = loss_fn(e, y, tuples)
        float(value)
        t4 = time.perf_counter()
        value.backward()
        t5 = time.perf_counter()
        opt.step()
        t6 = time.perf_counter()
        if s >= a.warmup:
            marks = [t0, t1, t2, t3, t4, t5, t6]
            for k in range(6):
                times[k].append((marks[k + 1] - marks[k]) * 1e3)
            times[6].append((t6 - t0) * 1e3)
    result = {"library": "pytorch-metric-learning", "loss": a.loss, "steps": a.steps, "threads": a.threads}
    for n, v in zip(names, times):
        result[n + "_ms"] = round(float(np.median(v)), 2)
    result["img_per_s_median_step"] = round(128 / (float(np.median(times[6])) / 1e3))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
