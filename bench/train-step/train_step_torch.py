"""The PyTorch peer of bench/train-step: the same architectures as host/models (res8.ts,
dscnn.ts), Adam, cross-entropy on logits. Run by run.ts as a server so that earshot's and
PyTorch's timings interleave in one script:

    python3 train_step_torch.py MODEL FRAMES COEFFS BATCH THREADS

prints {"ready": ...} once warmed up, then answers each line "N" on stdin with
{"pytorch_ms": <wall ms per step over N steps>, "cpu_ms": <CPU ms per step, all threads>}."""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Res8(nn.Module):
    """res8-narrow (host/models/res8.ts): bias-free 3x3 convs + ReLU, 4x3 average pooling,
    3 residual blocks with batch norm, global average pooling, dense."""

    def __init__(self, classes, filters=19, blocks=3):
        super().__init__()
        self.conv0 = nn.Conv2d(1, filters, 3, padding=1, bias=False)
        self.pool = nn.AvgPool2d((4, 3))
        self.convs = nn.ModuleList(
            nn.Conv2d(filters, filters, 3, padding=1, bias=False) for _ in range(2 * blocks)
        )
        self.bns = nn.ModuleList(nn.BatchNorm2d(filters, eps=1e-5) for _ in range(2 * blocks))
        self.out = nn.Linear(filters, classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv0(x)))
        for b in range(len(self.convs) // 2):
            y = self.bns[2 * b](F.relu(self.convs[2 * b](x)))
            y = F.relu(self.convs[2 * b + 1](y)) + x
            x = self.bns[2 * b + 1](y)
        return self.out(x.mean(dim=(2, 3)))


def same_pad(size, kernel, stride):
    """TensorFlow's 'same' padding (before, after) along one axis."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class DsCnn(nn.Module):
    """DS-CNN-S (host/models/dscnn.ts): 10x4 stride-2 conv, 4 x (3x3 depthwise, 1x1 pointwise),
    each conv bias-free -> BN (eps 1e-3) -> ReLU; global average pooling, dense."""

    def __init__(self, classes, frames, coeffs, filters=64, blocks=4):
        super().__init__()
        pt, pb = same_pad(frames, 10, 2)
        pl, pr = same_pad(coeffs, 4, 2)
        self.pad0 = (pl, pr, pt, pb)
        self.conv0 = nn.Conv2d(1, filters, (10, 4), stride=2, bias=False)
        self.bn0 = nn.BatchNorm2d(filters, eps=1e-3)
        layers = []
        for _ in range(blocks):
            layers += [
                nn.Conv2d(filters, filters, 3, padding=1, groups=filters, bias=False),
                nn.BatchNorm2d(filters, eps=1e-3),
                nn.ReLU(),
                nn.Conv2d(filters, filters, 1, bias=False),
                nn.BatchNorm2d(filters, eps=1e-3),
                nn.ReLU(),
            ]
        self.blocks = nn.Sequential(*layers)
        self.out = nn.Linear(filters, classes)

    def forward(self, x):
        x = F.relu(self.bn0(self.conv0(F.pad(x, self.pad0))))
        x = self.blocks(x)
        return self.out(x.mean(dim=(2, 3)))


def main():
    name, frames, coeffs, batch, threads = sys.argv[1:6]
    frames, coeffs, batch, threads = int(frames), int(coeffs), int(batch), int(threads)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    classes = 12
    if name == "res8-narrow":
        model = Res8(classes)
    elif name == "ds-cnn-s":
        model = DsCnn(classes, frames, coeffs)
    else:
        raise SystemExit(f"unknown model {name}")
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, 1, frames, coeffs)
    y = torch.randint(0, classes, (batch,))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(3):
        step()
    print(json.dumps({"ready": True, "threads": threads, "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        steps = int(line)
        t0 = time.perf_counter()
        c0 = time.process_time()
        for _ in range(steps):
            step()
        ms = (time.perf_counter() - t0) * 1000 / steps
        cpu = (time.process_time() - c0) * 1000 / steps
        print(json.dumps({"pytorch_ms": ms, "cpu_ms": cpu}), flush=True)


if __name__ == "__main__":
    main()
