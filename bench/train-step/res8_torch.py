"""res8-narrow training step in PyTorch, the peer for bench/train-step (same layers as
host/models/res8.ts: bias-free 3x3 convs + ReLU, 4x3 average pooling, 3 residual blocks with
batch norm, global average pooling, dense 12; Adam, batch 64, 98x40 input).
Prints one JSON line: {"pytorch_ms": ..., "threads": ..., "torch": ...}."""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Res8(nn.Module):
    def __init__(self, filters=19, blocks=3, classes=12):
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


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Res8()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(64, 1, 98, 40)
    y = torch.randint(0, 12, (64,))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(3):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    ms = (time.perf_counter() - t0) * 1000 / steps
    print(json.dumps({"pytorch_ms": ms, "threads": threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
