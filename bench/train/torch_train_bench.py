#!/usr/bin/python3
"""PyTorch (Python) twin of the C++ trainer's training step, for
bench/run_train_bench.sh.

Builds the model from the layer list that `train_bench --layers` writes (the
same layers, shapes, BatchNorm and parameter count as the C++ SinglePathModel:
toolkit/src/model.cpp), then times the same step on the same random data:
forward, cross entropy with label smoothing 0.1, backward, AdamW (weight decay
on conv / linear weights only). Prints one line in train_bench's format.

  torch_train_bench.py --layers fmnist.json --batch 64 --threads 2 --iterations 30 [--channels-last]
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class LayerListModel(nn.Module):
    """Runs the layer list in order, as SinglePathModuleImpl::run_layer does."""

    def __init__(self, spec):
        super().__init__()
        self.layers = spec["layers"]
        self.mods = nn.ModuleDict()
        for layer in self.layers:
            kind, name = layer["kind"], layer["name"].replace(".", "_")
            cin, cout = layer["in_channels"], layer["out_channels"]
            if kind in ("conv", "depthwise"):
                groups = cout if kind == "depthwise" else 1
                self.mods[name] = nn.Conv2d(cin, cout, layer["kernel"], layer["stride"], layer["pad"],
                                            groups=groups, bias=not spec["batch_norm"])
                if spec["batch_norm"]:
                    self.mods[name + "_bn"] = nn.BatchNorm2d(cout)
            elif kind == "linear":
                self.mods[name] = nn.Linear(cin, cout)
            elif kind == "layernorm":
                self.mods[name] = nn.LayerNorm(cout)
        for m in self.modules():  # Kaiming normal over the fan-in, biases zero (as the C++ model)
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    @staticmethod
    def activate(x, act):
        if act == "relu":
            return F.relu(x)
        if act == "relu6":
            return torch.clamp(x, 0.0, 6.0)
        return x

    def forward(self, images):
        values = [images]
        for layer in self.layers:
            kind, name = layer["kind"], layer["name"].replace(".", "_")
            x = values[layer["inputs"][0]]
            if kind in ("conv", "depthwise"):
                y = self.mods[name](x)
                if name + "_bn" in self.mods:
                    y = self.mods[name + "_bn"](y)
                y = self.activate(y, layer["activation"])
            elif kind == "linear":
                y = self.activate(self.mods[name](x), layer["activation"])
            elif kind == "maxpool2x2":
                y = F.max_pool2d(x, 2)
            elif kind == "avgpool2x2":
                y = F.avg_pool2d(x, 2)
            elif kind == "add":
                y = x + values[layer["inputs"][1]]
            elif kind == "layernorm":
                y = self.mods[name](x)
            elif kind == "softmax":
                y = torch.softmax(x, -1)
            elif kind == "attention":
                n, t, dim = x.shape
                heads = layer["heads"]
                d = dim // heads

                def split(a):
                    return a.reshape(n, t, heads, d).transpose(1, 2)

                q, k, v = split(x), split(values[layer["inputs"][1]]), split(values[layer["inputs"][2]])
                scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d)
                y = torch.matmul(torch.softmax(scores, -1), v).transpose(1, 2).reshape(n, t, dim)
            elif kind == "seqpool":
                w = torch.softmax(values[layer["inputs"][1]], 1)
                y = torch.matmul(w.transpose(1, 2), x)
            elif kind == "to_tokens":
                n, c, h, w = x.shape
                if layer["output_shape"] == [h * w, c]:
                    y = x.flatten(2).transpose(1, 2)
                else:
                    y = x.permute(0, 2, 3, 1).reshape(n, 1, h * w * c)
            elif kind == "to_map":
                s = layer["output_shape"]
                y = x.transpose(1, 2).reshape(x.shape[0], s[3], s[1], s[2])
            else:
                raise ValueError(f"layer {layer['name']}: unknown kind {kind}")
            values.append(y)
        return values[-1].flatten(1)


def make_optimizer(model):
    """AdamW, weight decay 0.05 on the weight matrices and kernels (dim >= 2) only (trainer.cpp)."""
    params = list(model.parameters())
    return torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.05},
                              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}], lr=5.5e-4)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", required=True, help="layer list written by train_bench --layers")
    parser.add_argument("--arch", default="?", help="name printed in the result line")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--channels-last", action="store_true")
    a = parser.parse_args()
    torch.set_num_threads(a.threads)
    with open(a.layers, encoding="utf-8") as f:
        spec = json.load(f)
    model = LayerListModel(spec)
    params = sum(p.numel() for p in model.parameters())
    if params != spec["trainable_parameters"]:
        sys.exit(f"torch_train_bench: the PyTorch model has {params} parameters, the C++ model "
                 f"{spec['trainable_parameters']}: the two are not the same model")
    model.train()
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    optimizer = make_optimizer(model)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    c, h, w = spec["input"]
    x = torch.randn(a.batch, c, h, w).contiguous(memory_format=fmt)
    y = torch.randint(0, spec["classes"], (a.batch,))
    start = 0.0
    for i in range(a.warmup + a.iterations):
        if i == a.warmup:
            start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        criterion(model(x), y).backward()
        optimizer.step()
    ips = a.batch * a.iterations / (time.perf_counter() - start)
    print(f"python {a.arch} batch {a.batch} threads {a.threads} "
          f"{'channels_last' if a.channels_last else 'nchw'} {ips:.1f} img/s {params} parameters")


if __name__ == "__main__":
    main()
