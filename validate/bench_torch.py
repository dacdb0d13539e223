#!/usr/bin/env python3
"""bench_torch.py: the PyTorch side of `gnlab bench` (cli/cmd_bench.c runs it).

Times one SGD step of the MLP 8-64-32-16-1 (ReLU, 3201 parameters) at batch size 1 in
PyTorch, one thread, eager mode, torch.optim.SGD: zero_grad, forward, squared loss
(f - y)^2 / 2, backward, optimizer step -- the work of the core's gn_mlp_step_sgd.
Samples cycle through 256 inputs x ~ N(0, I_8), y = sin(x1 + x2) + 0.1 x3 x4 + 0.05 e,
as in validate/bench.c. Each repetition runs enough steps to last --min-time seconds
(time.perf_counter, a monotonic clock); the median over --reps repetitions is reported.

Standalone, it prints one line each:
    version V
    result DTYPE SECONDS_PER_STEP STEPS_PER_REP REPS     (DTYPE float64, then float32)
With --serve (how gnlab bench runs it, so that PyTorch's repetitions interleave with the
core's), it prints "version V" and "ready", then answers commands read from stdin:
    calibrate DTYPE MIN_TIME   ->  steps N      (a power of two lasting >= MIN_TIME s)
    run DTYPE N                ->  time SECONDS (N steps, timed with time.perf_counter)
    quit
When torch cannot be imported it prints "absent REASON" and exits with status 3.
"""
import argparse
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--min-time", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--serve", action="store_true")
    a = ap.parse_args()
    if a.reps < 1 or not (a.min_time > 0):
        ap.error("--reps must be >= 1 and --min-time > 0")
    try:
        import torch
    except Exception as e:  # any import failure means: no PyTorch here
        print("absent", type(e).__name__, str(e).splitlines()[0] if str(e) else "")
        sys.exit(3)
    torch.set_num_threads(1)
    print("version", torch.__version__, flush=True)
    if a.serve:
        serve(torch, a.seed)
        return
    for dtype, name in ((torch.float64, "float64"), (torch.float32, "float32")):
        sec, steps = time_step(torch, dtype, a.reps, a.min_time, a.seed)
        print("result %s %.9e %d %d" % (name, sec, steps, a.reps), flush=True)


def serve(torch, seed):
    runs = {"float64": make_step(torch, torch.float64, seed),
            "float32": make_step(torch, torch.float32, seed)}
    print("ready", flush=True)
    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        if w[0] == "quit":
            break
        if w[0] == "calibrate" and len(w) == 3 and w[1] in runs:
            print("steps %d" % calibrate(runs[w[1]], float(w[2])), flush=True)
        elif w[0] == "run" and len(w) == 3 and w[1] in runs:
            n = int(w[2])
            t0 = time.perf_counter()
            runs[w[1]](n)
            dt = time.perf_counter() - t0
            runs[w[1]].check()
            print("time %.9e" % dt, flush=True)
        else:
            print("error unknown command", flush=True)
            sys.exit(2)


def calibrate(run, min_time):
    n = 1
    while True:  # also warms up
        t0 = time.perf_counter()
        run(n)
        if time.perf_counter() - t0 >= min_time or n >= 1 << 30:
            return n
        n *= 2


def time_step(torch, dtype, reps, min_time, seed):
    run = make_step(torch, dtype, seed)
    n = calibrate(run, min_time)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        run(n)
        ts.append((time.perf_counter() - t0) / n)
    run.check()
    return statistics.median(ts), n


def make_step(torch, dtype, seed):
    """run(n): n SGD steps of the MLP in dtype, cycling through the samples."""
    torch.manual_seed(seed)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(),
                          nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1)).to(dtype)
    nparams = sum(p.numel() for p in model.parameters())
    if nparams != 3201:
        raise SystemExit("bench_torch.py: expected 3201 parameters, got %d" % nparams)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    X = torch.randn(256, 1, 8, dtype=dtype)
    Y = (torch.sin(X[:, :, 0] + X[:, :, 1]) + 0.1 * X[:, :, 2] * X[:, :, 3]
         + 0.05 * torch.randn(256, 1, dtype=dtype)).reshape(256, 1, 1)
    xs = [X[k] for k in range(256)]
    ys = [Y[k] for k in range(256)]
    state = {"k": 0, "sink": 0.0}

    def run(n):
        k = state["k"]
        last = None
        for _ in range(n):
            opt.zero_grad()
            out = model(xs[k])
            loss = 0.5 * (out - ys[k]).pow(2).sum()
            loss.backward()
            opt.step()
            last = loss
            k = (k + 1) & 255
        state["k"] = k
        state["sink"] += float(last)  # forces the last step's result

    def check():  # outside the timed region
        if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
            raise SystemExit("bench_torch.py: weights became non-finite")

    run.check = check
    return run


if __name__ == "__main__":
    main()
