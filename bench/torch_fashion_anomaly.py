#!/usr/bin/python3
"""fashion-anomaly in PyTorch: the reference for tinyae's examples/fashion_anomaly.

For each Fashion-MNIST class, the mnist-dense network (784-32-784, ReLU code, sigmoid
output, Glorot-uniform weights and zero biases as tinyae initialises them, mean BCE via
BCEWithLogitsLoss, Adam lr 1e-3, batch 256, a new shuffle every epoch) trains 20 epochs
on that class's training images only; every test image is scored by its mean squared
reconstruction error, the other classes being the anomalies. Prints the same table as
tinyae's example: AUROC per class (exact Mann-Whitney, ties as halves), the rates at the
99th-percentile threshold of the training scores (nearest rank), and the mean.

    /usr/bin/python3 bench/torch_fashion_anomaly.py [--data DIR] [--epochs 20] [--threads 1] [--seed 1]
        [--tinyae build/release/examples/fashion_anomaly]   # also runs tinyae's example, for both tables

Needs Debian's python3-torch and python3-numpy (optional; not used by the build or CI).
"""
import argparse
import gzip
import math
import os
import subprocess
import sys
import time

try:
    import numpy as np
    import torch
except ImportError as error:
    sys.exit(f"{error}: needs Debian's python3-torch and python3-numpy (apt-get install python3-torch); "
             "run with Debian's /usr/bin/python3")

NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
BATCH = 256


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = np.frombuffer(raw[4:4 + 4 * dims], dtype=">i4")
    return np.frombuffer(raw[4 + 4 * dims:], dtype=np.uint8).reshape(shape)


def auroc(scores, anomalous):
    """U / (anomalies x normal), ties counted as halves (average ranks)."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    s = scores[order]
    i = 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        ranks[order[i:j]] = (i + 1 + j) / 2.0  # the average of ranks i+1 .. j
        i = j
    pos = anomalous.sum()
    neg = len(scores) - pos
    return (ranks[anomalous].sum() - pos * (pos + 1) / 2.0) / (pos * neg)


def nearest_rank(scores, percent):
    rank = max(1, min(len(scores), math.ceil(percent / 100.0 * len(scores) - 1e-9)))
    return np.sort(scores)[rank - 1]


def run_class(train, test, test_labels, normal, epochs, seed):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(784, 32), torch.nn.ReLU(), torch.nn.Linear(32, 784))
    for layer in (model[0], model[2]):
        torch.nn.init.xavier_uniform_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(epochs):
        order = torch.randperm(train.shape[0])
        for first in range(0, train.shape[0], BATCH):
            x = train[order[first:first + BATCH]]
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x), x).backward()
            optimizer.step()
    with torch.no_grad():
        train_scores = torch.mean((torch.sigmoid(model(train)) - train) ** 2, dim=1).double().numpy()
        test_scores = torch.mean((torch.sigmoid(model(test)) - test) ** 2, dim=1).double().numpy()
    threshold = nearest_rank(train_scores, 99.0)
    anomalous = test_labels != normal
    flagged = test_scores > threshold
    return (auroc(test_scores, anomalous), threshold, flagged[anomalous].mean(), flagged[~anomalous].mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tinyae", help="tinyae's fashion_anomaly example, run first with the same settings")
    args = parser.parse_args()
    if args.tinyae:
        subprocess.run([args.tinyae, "--epochs", str(args.epochs), "--threads", str(args.threads), args.data],
                       check=True)
        print()
    torch.set_num_threads(args.threads)
    images = {k: read_idx(os.path.join(args.data, f"{k}-images-idx3-ubyte.gz")) for k in ("train", "t10k")}
    labels = {k: read_idx(os.path.join(args.data, f"{k}-labels-idx1-ubyte.gz")) for k in ("train", "t10k")}
    to_float = lambda a: torch.from_numpy(a.reshape(a.shape[0], -1).astype(np.float32) / 255.0)
    test = to_float(images["t10k"])
    print(f"PyTorch {torch.__version__} fashion-anomaly: 784-32-784 per normal class, {args.epochs} epochs, "
          f"scored on {test.shape[0]} test images\n")
    print("| class | normal | AUROC | threshold | anomalies flagged | normal flagged |")
    print("|---|---|---|---|---|---|")
    start = time.perf_counter()
    areas = []
    for c in range(10):
        train = to_float(images["train"][labels["train"] == c])
        area, threshold, tpr, fpr = run_class(train, test, labels["t10k"], c, args.epochs, args.seed)
        areas.append(area)
        print(f"| {c} | {NAMES[c]} | {area:.4f} | {threshold:.5f} | {100 * tpr:.1f}% | {100 * fpr:.1f}% |", flush=True)
    print(f"\nmean AUROC {np.mean(areas):.4f} over 10 classes; trained and scored in "
          f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
