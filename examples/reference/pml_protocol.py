"""pytorch-metric-learning 2.8.1 on DML4J's benchmark protocol (docs/benchmark.md).

    sudo apt-get install python3-torch python3-sklearn python3-tqdm dataset-fashion-mnist
    PYTHONPATH=/path/to/pytorch-metric-learning-2.8.1/src /usr/bin/python3 examples/reference/pml_protocol.py \
        --loss triplet --split standard --epochs 5 --seed 0 --out pml.jsonl
(or `pip install pytorch-metric-learning==2.8.1` instead of PYTHONPATH). Prints one JSON line
with the keys of DML4J's Benchmark example and appends it to --out.
"""
import argparse, gzip, json, os, resource, struct, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import pytorch_metric_learning as pml
from pytorch_metric_learning import losses, miners, samplers
from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator

def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)

def load(data_dir, split):
    xs = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))
    ys = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"))
    xt = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"))
    yt = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"))
    if split == "zeroshot":
        m, mt = ys < 5, yt >= 5
        xs, ys, xt, yt = xs[m], ys[m], xt[mt], yt[mt]
    def prep(x):
        return ((torch.tensor(x, dtype=torch.float32) / 255.0 - 0.2860) / 0.3530).unsqueeze(1)
    return prep(xs), torch.tensor(ys.astype(np.int64)), prep(xt), torch.tensor(yt.astype(np.int64))

class ConvNetS(nn.Module):
    def __init__(self, dim=64):
        super().__init__()
        def block(i, o):
            return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU()]
        self.net = nn.Sequential(*block(1, 32), nn.MaxPool2d(2), *block(32, 64), nn.MaxPool2d(2),
                                 *block(64, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, dim))
    def forward(self, x):
        return self.net(x)

def resnet18_small(dim=64):
    """torchvision's resnet18 with the small-input stem (1-channel 3x3 convolution, no max-pool),
    as DML4J's ResNet.builder().setDepth(18).optSmallInput(true): a dim-d projection replaces fc."""
    import torchvision
    net = torchvision.models.resnet18(num_classes=dim)
    net.conv1 = nn.Conv2d(1, 64, 3, stride=1, padding=1, bias=False)
    nn.init.kaiming_normal_(net.conv1.weight, mode="fan_out", nonlinearity="relu")
    net.maxpool = nn.Identity()
    return net

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loss", required=True, choices=["triplet", "contrastive", "multisim", "arcface", "center"])
    ap.add_argument("--split", default="standard", choices=["standard", "zeroshot"])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--backbone", default="convnet-s", choices=["convnet-s", "resnet18"])
    ap.add_argument("--steps", type=int, help="stop after this many steps; train_img_per_s counts those after the first 5")
    a = ap.parse_args()
    torch.manual_seed(a.seed); np.random.seed(a.seed)
    torch.set_num_threads(a.threads)
    xs, ys, xt, yt = load(a.data, a.split)
    classes = sorted(set(ys.tolist()))
    ys_idx = torch.tensor([classes.index(v) for v in ys.tolist()])
    nc = len(classes)
    model = resnet18_small() if a.backbone == "resnet18" else ConvNetS()
    extra = []
    miner = None
    if a.loss == "triplet":
        loss_fn = losses.TripletMarginLoss(margin=0.2)
        miner = miners.TripletMarginMiner(margin=0.2, type_of_triplets="semihard")
    elif a.loss == "contrastive":
        loss_fn = losses.ContrastiveLoss(pos_margin=0, neg_margin=1)
        miner = miners.PairMarginMiner(pos_margin=0, neg_margin=1)
    elif a.loss == "multisim":
        loss_fn = losses.MultiSimilarityLoss(alpha=2, beta=50, base=0.5)
        miner = miners.MultiSimilarityMiner(epsilon=0.1)
    elif a.loss == "arcface":
        loss_fn = losses.ArcFaceLoss(num_classes=nc, embedding_size=64, margin=28.6, scale=64)
        extra = [{"params": loss_fn.parameters(), "lr": 1e-2}]
    else:  # center: softmax classifier + center loss (Wen et al. 2016), lambda 0.01, centers by SGD lr 0.5
        clf = nn.Linear(64, nc)
        centers = nn.Parameter(torch.randn(nc, 64))
        extra = [{"params": clf.parameters(), "lr": 1e-3}]
        center_opt = torch.optim.SGD([centers], lr=0.5)
    opt = torch.optim.Adam([{"params": model.parameters(), "lr": 1e-3}] + extra)
    m = 16 if nc >= 8 else 32  # the class-disjoint split has 5 classes: 4 classes x 32 per batch
    sampler = samplers.MPerClassSampler(ys_idx, m=m, batch_size=128, length_before_new_iter=len(ys_idx))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xs, ys_idx), batch_size=128,
                                         sampler=sampler, drop_last=True)
    t_start = time.time()
    rates, losses_per_epoch, step_ends = [], [], []
    for ep in range(1 if a.steps else a.epochs):
        model.train()
        t0, n, tot = time.time(), 0, 0.0
        for x, y in loader:
            if a.steps and len(step_ends) == a.steps:
                break
            opt.zero_grad()
            if a.loss == "center":
                center_opt.zero_grad()
            e = model(x)
            if a.loss == "center":
                l = F.cross_entropy(clf(e), y) + 0.01 * 0.5 * ((e - centers[y]) ** 2).sum(1).mean()
            elif miner is not None:
                l = loss_fn(e, y, miner(e, y))
            else:
                l = loss_fn(e, y)
            l.backward()
            opt.step()
            if a.loss == "center":
                # Wen et al. scale the centre gradient by 1/(lambda) so alpha acts directly
                centers.grad.mul_(1.0 / 0.01)
                center_opt.step()
            n += len(x); tot += float(l) * len(x)
            step_ends.append(time.time())
        rates.append(n / (time.time() - t0))
        losses_per_epoch.append(tot / n)
    model.eval()
    t0 = time.time()
    with torch.no_grad():
        emb = torch.cat([model(xt[i:i + 512]) for i in range(0, len(xt), 512)])
    eval_rate = len(xt) / (time.time() - t0)
    ac = AccuracyCalculator(include=("precision_at_1", "r_precision", "mean_average_precision_at_r", "NMI"),
                            k="max_bin_count")
    acc = ac.get_accuracy(emb, yt, ref_includes_query=True)
    if a.steps:
        rates = [(len(step_ends) - 5) * 128 / (step_ends[-1] - step_ends[4])]
    res = {"library": "pytorch-metric-learning " + pml.__version__, "torch": torch.__version__,
           "loss": a.loss, "split": a.split, "seed": a.seed}
    if a.backbone != "convnet-s":
        res["backbone"] = a.backbone
    if a.steps:
        res["steps"] = a.steps
    else:
        res["epochs"] = a.epochs
    res.update({
           "precision_at_1": acc["precision_at_1"], "r_precision": acc["r_precision"],
           "mean_average_precision_at_r": acc["mean_average_precision_at_r"], "NMI": acc["NMI"],
           "train_img_per_s": float(np.mean(rates[1:] if len(rates) > 1 else rates)),
           "eval_img_per_s": eval_rate, "wall_s": time.time() - t_start,
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
           "epoch_losses": losses_per_epoch})
    line = json.dumps(res)
    print(line)
    with open(a.out, "a") as f:
        f.write(line + "\n")

if __name__ == "__main__":
    main()
