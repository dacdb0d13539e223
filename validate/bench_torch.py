#!/usr/bin/env python3
"""bench_torch.py: the PyTorch side of `gnlab bench` (validate/cmd_bench.c runs it).

Times one SGD step of the MLP 8-64-32-16-1 (ReLU, 3201 parameters) at batch size 1 in
PyTorch, one thread, eager mode, torch.optim.SGD: zero_grad, forward, squared loss
(f - y)^2 / 2, backward, optimizer step -- the work of the core's gn_mlp_step_sgd.
Samples cycle through 256 inputs x ~ N(0, I_8), y = sin(x1 + x2) + 0.1 x3 x4 + 0.05 e,
as in validate/bench.c. Each repetition runs enough steps to last --min-time seconds
(time.perf_counter, a monotonic clock); the median over --reps repetitions is reported.

Output, one line each, read by gnlab bench:
    version V
    result DTYPE SECONDS_PER_STEP STEPS_PER_REP REPS     (DTYPE float64, then float32)
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
    for dtype, name in ((torch.float64, "float64"), (torch.float32, "float32")):
        sec, steps = time_step(torch, dtype, a.reps, a.min_time, a.seed)
        print("result %s %.9e %d %d" % (name, sec, steps, a.reps), flush=True)


def time_step(torch, dtype, reps, min_time, seed):
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

    n = 1
    while True:  # calibrate (also warms up)
        t0 = time.perf_counter()
        run(n)
        if time.perf_counter() - t0 >= min_time or n >= 1 << 30:
            break
        n *= 2
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        run(n)
        ts.append((time.perf_counter() - t0) / n)
    if not all(torch.isfinite(p).all() for p in model.parameters()):
        raise SystemExit("bench_torch.py: weights became non-finite")
    return statistics.median(ts), n


if __name__ == "__main__":
    main()
