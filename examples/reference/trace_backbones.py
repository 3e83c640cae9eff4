"""Turns torchvision networks into TorchScript files that DML4J's TorchScriptBackbone fine-tunes.

    sudo apt-get install -y python3-torch python3-torchvision
    /usr/bin/python3 examples/reference/trace_backbones.py resnet18 --size 64 --out resnet18.pt
    /usr/bin/python3 examples/reference/trace_backbones.py tiny --size 32 --out tiny.pt

By default the network is compiled with torch.jit.script, which keeps BatchNorm's train/eval
switch: DML4J trains it with batch statistics and embeds with the running ones. `--trace` uses
torch.jit.trace instead, which records the network in the mode it is traced in: a network traced
in eval mode (as here) always normalizes with its stored statistics, as if trained with
TorchScriptBackbone's optFreezeBatchNorm(true), and one traced in train mode always with batch
statistics, also when embedding. Tracing suits networks that scripting cannot compile.

Each network is a feature extractor: torchvision's classifier (`fc`) is replaced by the identity,
so a traced resnet18 maps (N, 3, H, W) to (N, 512). Weights are random (seeded): ImageNet weights
cannot be downloaded on machines without network access. With network access, pass --pretrained
to trace torchvision's ImageNet weights (IMAGENET1K_V1) instead; DML4J then normalizes input with
PixelNormalization.IMAGENET. `tiny` is a small convolutional network for
unit tests (5,136 parameters, a 31 kB file): convolutions, BatchNorm, ReLU and pooling, the layers of a ResNet.
"""
import argparse

import torch
import torch.nn as nn


class Tiny(nn.Module):
    """Conv-BN-ReLU twice, global average pooling: (N, C, H, W) -> (N, 32)."""

    def __init__(self, channels=3):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        return torch.flatten(self.pool(x), 1)


def build(name, channels, pretrained):
    if name == "tiny":
        return Tiny(channels)
    import torchvision
    weights = "IMAGENET1K_V1" if pretrained else None
    net = getattr(torchvision.models, name)(weights=weights)
    if channels != 3:
        net.conv1 = nn.Conv2d(channels, net.conv1.out_channels, 7, stride=2, padding=3, bias=False)
    net.fc = nn.Identity()
    return net


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("network", help="tiny, or a torchvision model name: resnet18, resnet34, resnet50, ...")
    ap.add_argument("--size", type=int, default=224, help="image side the trace is made at")
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pretrained", action="store_true", help="torchvision's ImageNet weights (needs network)")
    ap.add_argument("--trace", action="store_true", help="torch.jit.trace (in eval mode) instead of torch.jit.script")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    net = build(a.network, a.channels, a.pretrained)
    example = torch.rand(2, a.channels, a.size, a.size)
    if a.trace:
        net.eval()
        module = torch.jit.trace(net, example)
    else:
        module = torch.jit.script(net)
    module.save(a.out)
    module.eval()
    out = module(example)
    params = sum(p.numel() for p in net.parameters())
    print("%s %s: input (N, %d, %d, %d) -> %s, %d parameters, torch %s -> %s"
          % ("traced" if a.trace else "scripted", a.network, a.channels, a.size, a.size, tuple(out.shape[1:]), params, torch.__version__, a.out))


if __name__ == "__main__":
    main()
