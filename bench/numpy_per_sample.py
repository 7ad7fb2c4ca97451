#!/usr/bin/python3
"""Per-sample SGD in plain NumPy, the way the seeds' users write it, beside tinyae.

Trains the two per-sample reference systems one sample at a time, each step a forward
pass, the backward pass and the SGD update with NumPy arrays (float64, NumPy's default,
as such scripts run), and times them as tinyae_bench_per_sample does:

  identity-838: 8-3-8 sigmoid, biases, half SSE, lr 0.3, 5000 epochs over the 8 one-hot
                vectors (40,000 steps); time per whole fit.
  digits-deep:  64-50-40-36-40-50-64, tanh hidden, sigmoid out, half SSE, lr 0.1, one
                epoch of 1797 samples (the same synthetic values as the bench); time per epoch.

With --bench it also runs tinyae_bench_per_sample in the same process tree and prints
the ratio, so both come from one run on the same machine state.

    /usr/bin/python3 bench/numpy_per_sample.py [--repeat 3]
        [--bench build/release/bench/tinyae_bench_per_sample]

Needs NumPy (Debian's python3-numpy); optional, not used by the build or CI.
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
except ImportError as error:
    sys.exit(f"{error}: needs Debian's python3-numpy; run with /usr/bin/python3")


def glorot(rng, fan_out, fan_in):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_out, fan_in))


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def fit(sizes, activations, data, lr, epochs, seed=1):
    """Per-sample SGD on half the squared error; activations: 'sigmoid' or 'tanh' per layer."""
    rng = np.random.default_rng(seed)
    weights = [glorot(rng, sizes[i + 1], sizes[i]) for i in range(len(sizes) - 1)]
    biases = [np.zeros(sizes[i + 1]) for i in range(len(sizes) - 1)]
    for _ in range(epochs):
        for x in data[rng.permutation(len(data))]:
            outs = [x]
            for w, b, act in zip(weights, biases, activations):
                z = w @ outs[-1] + b
                outs.append(sigmoid(z) if act == "sigmoid" else np.tanh(z))
            a = outs[-1]
            delta = (a - x) * (a * (1 - a) if activations[-1] == "sigmoid" else 1 - a * a)
            for l in range(len(weights) - 1, -1, -1):
                grad_w = np.outer(delta, outs[l])
                if l > 0:
                    back = weights[l].T @ delta
                    h = outs[l]
                    delta_next = back * (h * (1 - h) if activations[l - 1] == "sigmoid" else 1 - h * h)
                weights[l] -= lr * grad_w
                biases[l] -= lr * delta
                if l > 0:
                    delta = delta_next
    return weights


def identity_838():
    data = np.eye(8)
    start = time.perf_counter()
    fit([8, 3, 8], ["sigmoid", "sigmoid"], data, 0.3, 5000)
    return time.perf_counter() - start


def digits_deep():
    x = 7
    values = np.empty(1797 * 64)
    for i in range(values.size):  # the bench's synthetic values
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        values[i] = (x >> 8) / 16777216.0
    data = values.reshape(1797, 64)
    start = time.perf_counter()
    fit([64, 50, 40, 36, 40, 50, 64], ["tanh"] * 5 + ["sigmoid"], data, 0.1, 1)
    return time.perf_counter() - start


def bench_times(path, repeat):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([path, f"--benchmark_repetitions={repeat}", f"--benchmark_out={out.name}",
                        "--benchmark_out_format=json"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        runs = {}
        for b in json.load(open(out.name))["benchmarks"]:
            if b.get("run_type") != "aggregate":
                scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
                runs.setdefault(b["run_name"], []).append(b["real_time"] * scale)
    return {name: statistics.median(t) for name, t in runs.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians are printed")
    parser.add_argument("--bench", help="tinyae_bench_per_sample, to time tinyae in the same run")
    args = parser.parse_args()
    ours = bench_times(args.bench, args.repeat) if args.bench else {}
    print(f"NumPy {np.__version__}, medians of {args.repeat}")
    print(f"{'run':<28} {'NumPy':>10} " + " ".join(f"{n.split('/')[1]:>14}" for n in ours if "identity" in n))
    for name, run, key in (("identity-838, 5000 epochs", identity_838, "fit_identity_838_5000_epochs"),
                           ("digits-deep, one epoch", digits_deep, "fit_digits_deep_1_epoch")):
        t = statistics.median(run() for _ in range(args.repeat))
        cells = [f"{ours[n] * 1e3:7.2f} ms {t / ours[n]:4.0f}x" for n in ours if n.startswith(key)]
        print(f"{name:<28} {t * 1e3:7.1f} ms " + " ".join(f"{c:>14}" for c in cells))
    if ours:
        print("(tinyae columns: its time per ISA, then NumPy's time over it)")


if __name__ == "__main__":
    main()
