#!/usr/bin/env python3
"""mnist-conv in tinyae beside the same network in PyTorch (CPU), in one run.

  speed:   training samples/s (BCE, Adam, batch 128, synthetic pixels) on 1 and 2
           threads: tinyae's tinyae_bench_train, then PyTorch with glibc's malloc
           tuned (large tensors otherwise go to mmap and are page-faulted every step)
           and untuned.
  quality: test MSE after N epochs (default 2) on Fashion-MNIST: tinyae's mnist_conv
           example, then PyTorch with the same settings.

  python3 bench/torch_mnist_conv.py --build build/rel [--skip-speed] [--skip-quality] [--epochs 2]

The network (DESIGN.md): 28x28x1 -> conv3x3 16 -> pool -> conv 8 -> pool -> conv 8 ->
pool (4x4x8) -> resize 7 -> conv 8 -> resize 14 -> conv 8 -> resize 28 -> conv 16 ->
conv 1, sigmoid; ReLU elsewhere; 'same' padding; max pooling 2x2 with ceil (7 -> 4);
nearest resizing; Glorot-uniform weights, zero biases, as tinyae initialises.
Needs Debian's python3-torch and dataset-fashion-mnist.
"""
import argparse
import gzip
import os
import re
import subprocess
import sys
import time

FASHION = "/usr/share/datasets/fashion-mnist"
TUNED_MALLOC = {"MALLOC_MMAP_THRESHOLD_": "10000000000", "MALLOC_TRIM_THRESHOLD_": "10000000000",
                "MALLOC_TOP_PAD_": "1000000000"}


def torch_network():
    import torch.nn as nn
    import torch.nn.functional as F

    class Resize(nn.Module):
        def __init__(self, size):
            super().__init__()
            self.size = size

        def forward(self, x):
            return F.interpolate(x, size=self.size, mode="nearest")

    def conv(c_in, c_out):
        c = nn.Conv2d(c_in, c_out, 3, padding=1)
        nn.init.xavier_uniform_(c.weight)
        nn.init.zeros_(c.bias)
        return c

    def pool():
        return nn.MaxPool2d(2, ceil_mode=True)

    return nn.Sequential(
        conv(1, 16), nn.ReLU(), pool(), conv(16, 8), nn.ReLU(), pool(), conv(8, 8), nn.ReLU(), pool(),
        Resize(7), conv(8, 8), nn.ReLU(), Resize(14), conv(8, 8), nn.ReLU(),
        Resize(28), conv(8, 16), nn.ReLU(), conv(16, 1))


def train_epoch(net, opt, x, batch, shuffle):
    import torch
    import torch.nn.functional as F
    order = torch.randperm(x.shape[0]) if shuffle else torch.arange(x.shape[0])
    for i in range(0, x.shape[0], batch):
        b = x[order[i:i + batch]]
        opt.zero_grad()
        F.binary_cross_entropy_with_logits(net(b), b).backward()
        opt.step()


def torch_speed(threads, seconds=10.0):
    """Samples/s of PyTorch training steps (run in a child process with its own env)."""
    import torch
    torch.manual_seed(1)
    torch.set_num_threads(threads)
    net = torch_network()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x = torch.rand(2560, 1, 28, 28)
    train_epoch(net, opt, x, 128, False)  # warm-up
    epochs = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        train_epoch(net, opt, x, 128, False)
        epochs += 1
    return epochs * x.shape[0] / (time.perf_counter() - start)


def load_images(name):
    import numpy as np
    with gzip.open(os.path.join(FASHION, name)) as f:
        data = f.read()
    return np.frombuffer(data, np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255


def torch_quality(epochs, threads):
    import torch
    torch.manual_seed(1)
    torch.set_num_threads(threads)
    train = torch.from_numpy(load_images("train-images-idx3-ubyte.gz"))
    test = torch.from_numpy(load_images("t10k-images-idx3-ubyte.gz"))
    net = torch_network()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    start = time.perf_counter()
    for _ in range(epochs):
        train_epoch(net, opt, train, 128, True)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        mse = float(((torch.sigmoid(net(test)) - test) ** 2).mean())
    return mse, seconds


def child(args):
    """Runs one PyTorch measurement and prints its result as the last line."""
    if args.child == "speed":
        print(f"{torch_speed(args.threads, args.seconds):.1f}")
    else:
        mse, seconds = torch_quality(args.epochs, args.threads)
        print(f"{mse:.6f} {seconds:.1f}")


def run_child(kind, threads, env_extra, args):
    env = dict(os.environ, **env_extra)
    cmd = [sys.executable, __file__, "--child", kind, "--threads", str(threads),
           "--epochs", str(args.epochs), "--seconds", str(args.seconds)]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def tinyae_speed(build):
    exe = os.path.join(build, "bench", "tinyae_bench_train")
    out = subprocess.run([exe, "--benchmark_filter=train_step_mnist_conv", "--benchmark_min_time=5"],
                         check=True, capture_output=True, text=True).stdout
    rates = {}
    for line in out.splitlines():
        m = re.match(r"train_step_mnist_conv/(\w+)/threads:(\d+)\S*\s.*samples/s=([\d.]+)([km]?)/s", line)
        if m:
            scale = {"": 1, "k": 1e3, "m": 1e6}[m.group(4)]
            rates[(m.group(1), int(m.group(2)))] = float(m.group(3)) * scale
    return rates


def tinyae_quality(build, epochs, threads):
    exe = os.path.join(build, "examples", "mnist_conv")
    png = os.path.join(build, "mnist_conv_reconstructions.png")
    out = subprocess.run([exe, "--epochs", str(epochs), "--threads", str(threads), "--out", png, FASHION],
                         check=True, capture_output=True, text=True).stdout
    mse = float(re.search(r"test MSE ([\d.]+)", out).group(1))
    seconds = float(re.search(r"trained in ([\d.]+) s", out).group(1))
    return mse, seconds


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build/rel", help="tinyae build folder (Release)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--seconds", type=float, default=10.0, help="PyTorch timing per setting")
    p.add_argument("--skip-quality", action="store_true")
    p.add_argument("--skip-speed", action="store_true")
    p.add_argument("--child", choices=["speed", "quality"], help=argparse.SUPPRESS)
    p.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return

    if not args.skip_speed:
        print("training samples/s, mnist-conv, BCE, Adam, batch 128 (higher is better)")
        rates = tinyae_speed(args.build)
        for (isa, threads), rate in sorted(rates.items()):
            print(f"  tinyae {isa:7s} {threads} thread(s): {rate:8.0f}")
        for threads in (1, 2):
            tuned = float(run_child("speed", threads, TUNED_MALLOC, args))
            plain = float(run_child("speed", threads, {}, args))
            print(f"  PyTorch {threads} thread(s): {tuned:8.0f} (malloc tuned), {plain:.0f} (untuned)")
    if args.skip_quality:
        return
    print(f"test MSE after {args.epochs} epochs on Fashion-MNIST (60000 train, 10000 test), 2 threads")
    mse, seconds = tinyae_quality(args.build, args.epochs, 2)
    print(f"  tinyae : {mse:.4f}  ({seconds:.0f} s training)")
    mse, seconds = (float(v) for v in run_child("quality", 2, TUNED_MALLOC, args).split())
    print(f"  PyTorch: {mse:.4f}  ({seconds:.0f} s training)")


if __name__ == "__main__":
    main()
