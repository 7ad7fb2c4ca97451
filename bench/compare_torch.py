#!/usr/bin/python3
"""mnist-dense training throughput: tinyae's command line beside PyTorch on the CPU.

Both train the same system the same way: 784-32-784, ReLU code, sigmoid output, mean
BCE (PyTorch: BCEWithLogitsLoss), Adam lr 1e-3, batch 256, pixels / 255, a new shuffle
every epoch, on the 60000 Fashion-MNIST training images; one epoch is 235 steps (the
last one 96 samples). Each runs at 1 and 2 threads in this one run, timed over the
training loop only (no data loading, no evaluation), and both report the test-set MSE
and BCE afterwards as a check that they learned the same thing.

    bench/compare_torch.py [--data DIR] [--tinyae PATH] [--epochs N] [--threads 1,2] [--repeat R]

Needs Debian's python3-torch and python3-numpy (run with Debian's /usr/bin/python3) and
a built tinyae (cmake --preset release && cmake --build --preset release --target tinyae_cli).
Timings on a busy machine are noisy: compare within one run, and repeat (--repeat 3
prints the median).
"""
import argparse
import gzip
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import torch
except ImportError as error:
    sys.exit(f"{error}: needs Debian's python3-torch and python3-numpy (apt-get install python3-torch); "
             "run with Debian's /usr/bin/python3")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 256


def load_idx_images(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        raw = f.read()
    magic, count, rows, cols = np.frombuffer(raw[:16], dtype=">i4")
    if magic != 0x803:
        sys.exit(f"{path}: not an IDX file of uint8 images (magic {magic:#x})")
    pixels = np.frombuffer(raw[16:], dtype=np.uint8, count=count * rows * cols)
    return torch.from_numpy(pixels.reshape(count, rows * cols).astype(np.float32) / 255.0)


def torch_run(train, test, epochs, threads, seed):
    """Trains a fresh model; returns (samples/s, test MSE, test BCE)."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(784, 32), torch.nn.ReLU(), torch.nn.Linear(32, 784))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(train.shape[0])
        for first in range(0, train.shape[0], BATCH):
            x = train[order[first:first + BATCH]]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), x)
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        logits = model(test)
        mse = torch.mean((torch.sigmoid(logits) - test) ** 2).item()
        bce = loss_fn(logits, test).item()
    return train.shape[0] * epochs / seconds, mse, bce


def tinyae_run(cli, data, epochs, threads, seed):
    """Runs `tinyae train`; returns (samples/s, test MSE, test BCE) as it prints them."""
    with tempfile.TemporaryDirectory() as out:
        command = [cli, "train", "--preset", "mnist-dense", "--epochs", str(epochs), "--threads", str(threads),
                   "--seed", str(seed), "--data", os.path.join(data, "train-images-idx3-ubyte.gz"),
                   "--test", os.path.join(data, "t10k-images-idx3-ubyte.gz"), "--out", out]
        result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    rate = re.search(r"trained in [0-9.]+ s \(([0-9.]+) samples/s\)", result.stdout)
    test = re.search(r"test\s+MSE ([0-9.]+)\s+BCE ([0-9.]+)", result.stdout)
    if rate is None or test is None:
        sys.exit(f"unexpected output from {cli}:\n{result.stdout}")
    return float(rate.group(1)), float(test.group(1)), float(test.group(2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist",
                        help="folder with train- and t10k-images-idx3-ubyte.gz (default: Debian's Fashion-MNIST)")
    parser.add_argument("--tinyae", default=os.path.join(ROOT, "build/release/apps/tinyae"),
                        help="the tinyae command-line tool")
    parser.add_argument("--epochs", type=int, default=1, help="epochs of 235 steps each (default 1)")
    parser.add_argument("--threads", default="1,2", help="thread counts, comma-separated (default 1,2)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per setting; the median is shown")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not os.access(args.tinyae, os.X_OK):
        sys.exit(f"{args.tinyae}: not found; build it (cmake --preset release && "
                 "cmake --build --preset release --target tinyae_cli) or pass --tinyae")

    train = load_idx_images(os.path.join(args.data, "train-images-idx3-ubyte.gz"))
    test = load_idx_images(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    steps = args.epochs * -(-train.shape[0] // BATCH)
    print(f"mnist-dense, {train.shape[0]} images, {args.epochs} epoch(s) = {steps} steps of batch {BATCH}; "
          f"PyTorch {torch.__version__}, median of {args.repeat}")
    print(f"{'threads':>7}  {'tinyae samples/s':>16}  {'PyTorch samples/s':>17}  {'ratio':>6}  "
          f"{'tinyae test MSE/BCE':>19}  {'PyTorch test MSE/BCE':>20}")
    for threads in [int(t) for t in args.threads.split(",")]:
        ours = [tinyae_run(args.tinyae, args.data, args.epochs, threads, args.seed) for _ in range(args.repeat)]
        theirs = [torch_run(train, test, args.epochs, threads, args.seed) for _ in range(args.repeat)]
        ours_rate = statistics.median(r[0] for r in ours)
        theirs_rate = statistics.median(r[0] for r in theirs)
        print(f"{threads:>7}  {ours_rate:>16,.0f}  {theirs_rate:>17,.0f}  {ours_rate / theirs_rate:>5.2f}x  "
              f"{ours[0][1]:>10.4f} / {ours[0][2]:.4f}  {theirs[0][1]:>11.4f} / {theirs[0][2]:.4f}")
    print("(the ratio is tinyae / PyTorch; on a shared or busy machine timings are noisy)")


if __name__ == "__main__":
    main()
