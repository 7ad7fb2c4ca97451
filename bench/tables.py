#!/usr/bin/env python3
"""Runs the benches and prints bench/README.md's tables (medians of --repetitions runs).

    bench/tables.py [--build build/release] [--repetitions 3] [--only kernels,train,per_sample,int8,conv]

Single thread unless a benchmark's name says threads:2. Standard library only. Timings on
a busy machine are noisy: compare ratios within one table, not across runs.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def run(build, bench, repetitions, extra=()):
    path = os.path.join(build, "bench", "tinyae_bench_" + bench)
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: cmake --build {build} --target tinyae_bench_{bench}")
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([path, f"--benchmark_repetitions={repetitions}",
                        f"--benchmark_out={out.name}", "--benchmark_out_format=json", *extra],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1")))
        runs = {}
        for b in json.load(open(out.name))["benchmarks"]:
            if b.get("run_type") == "aggregate":
                continue
            runs.setdefault(b["run_name"], []).append(b)
    seconds = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    out = {}
    for name, rs in runs.items():
        out[name] = {key: statistics.median(r[key] for r in rs)
                     for key in rs[0] if isinstance(rs[0][key], float)}
        out[name]["seconds"] = out[name]["real_time"] * seconds[rs[0]["time_unit"]]
    return out


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def fmt(v, digits=3):
    if v is None:
        return "–"
    return f"{v:.{digits}g}" if abs(v) < 10 ** digits else f"{v:,.0f}"


def grid(results, split, metric, scale=1.0, digits=3):
    """Rows and columns from names split into (row, column) by split(name)."""
    cells, rows, cols = {}, [], []
    for name, r in results.items():
        row, col = split(name)
        if row not in rows:
            rows.append(row)
        if col not in cols:
            cols.append(col)
        cells[row, col] = r[metric] * scale if metric in r else None
    return cols, [[row] + [fmt(cells.get((row, c)), digits) for c in cols] for row in rows]


def kernels(build, reps):
    res = run(build, "kernels", reps, ["--benchmark_min_time=0.3"])
    def split(name):  # <kernel>/<impl>/<shape>
        kernel, impl, shape = name.split("/", 2)
        return f"{shape} `{kernel}`", impl
    noise = {k: v for k, v in res.items() if k.startswith("add_noise/")}
    flops = {k: v for k, v in res.items() if k not in noise}
    cols, rows = grid(flops, split, "GFLOP/s")
    out = "GFLOP/s, one thread:\n\n" + table(["shape, kernel"] + cols, rows)
    cols, rows = grid(noise, split, "values/s", 1e-9)
    return out + ("\n\nDenoising noise (`add_noise`, one mnist-dense batch), billions of values per second:\n\n"
                  + table(["shape, kernel"] + cols, rows))


def train(build, reps):
    res = run(build, "train", reps, ["--benchmark_min_time=0.5"])
    steps = {k: v for k, v in res.items() if k.startswith("train_step_")}
    sparse = {k: v for k, v in res.items() if not k.startswith("train_step_")}
    for r in sparse.values():  # a fit of 10 iterations reports its time per iteration
        r["seconds"] = r.get("s/iteration", r["seconds"])
    def split_step(name):  # train_step_<system>/<isa>/threads:N/real_time
        parts = name.split("/")
        return parts[0].replace("train_step_", ""), f"{parts[1]}, {parts[2].replace(':', ' ')}"
    def split_sparse(name):  # <what>_sparse_patches/threads:N/real_time
        parts = name.split("/")
        return parts[0].replace("_sparse_patches", ""), parts[1].replace(":", " ")
    cols, rows = grid(steps, split_step, "samples/s")
    out = "Samples/s, one training step:\n\n" + table(["system"] + cols, rows)
    cols, rows = grid(sparse, split_sparse, "seconds", 1e3)
    out += ("\n\nsparse-patches (256-64-256, KL, N = 10240), milliseconds per cost and gradient"
            " (`cost_gradient`) and per full-batch gradient-descent iteration (`gradient_descent`: the same plus the step):\n\n")
    return out + table(["run"] + cols, rows)


def per_sample(build, reps):
    res = run(build, "per_sample", reps)
    def split(name):  # fit_<what>/<isa>
        what, isa = name.split("/")
        return what.replace("fit_", ""), isa
    cols, rows = grid(res, split, "seconds", 1e3)
    return "Milliseconds per run:\n\n" + table(["run"] + cols, rows)


def int8(build, reps):
    res = run(build, "int8", reps)
    def split(name):  # <what>/<isa>/batchN or dnnl_u8s8s32/batchN
        parts = name.split("/")
        return "/".join(parts[:-1]), parts[-1].replace("batch", "batch ")
    cols, rows = grid(res, split, "seconds", 1e6)
    return "Microseconds per call:\n\n" + table(["path/ISA"] + cols, rows)


def conv(build, reps):
    res = run(build, "conv", reps, ["--benchmark_min_time=0.3"])
    def split(name):  # conv_fwd|conv_bwd/<isa>/<layer>
        way, isa, layer = name.split("/")
        return layer, f"{isa} {way.replace('conv_', '')}"
    cols, rows = grid(res, split, "seconds", 1e3)
    return "Milliseconds per call, batch 128:\n\n" + table(["layer"] + cols, rows)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build/release")
    p.add_argument("--repetitions", type=int, default=3)
    p.add_argument("--only", default="kernels,train,per_sample,int8,conv")
    a = p.parse_args()
    for what in a.only.split(","):
        print(f"### {what}\n")
        print(globals()[what](a.build, a.repetitions))
        print()


if __name__ == "__main__":
    main()
