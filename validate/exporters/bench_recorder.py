#!/usr/bin/python3
"""bench_recorder.py GNLAB [--steps N] [--opt sgd|adam]: the scale run of issue 17.

An MLP 310-320-1 (tanh; 99,841 parameters, float32) trained by torch.optim.SGD (or Adam)
on batches of 32, recorded by gn_recorder.Recorder straight into `GNLAB audit --json -`
through a pipe (no file: the trace of 1,000 steps is some 2 GB of text), so both sides
stream in O(d) memory. Prints the wall time, the recorder's share, gnlab's peak resident
memory (VmHWM, polled each step) and the verdict; exit 0 when every step agrees.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gn_recorder import Recorder  # noqa: E402


def vm_hwm(pid):
    """the peak resident memory of process pid in MiB (VmHWM: since its exec, so not the
    forked copy of this Python process that getrusage's children figure would include)"""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gnlab")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--opt", choices=("sgd", "adam"), default="sgd")
    a = ap.parse_args()
    torch.manual_seed(1)
    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(310, 320), torch.nn.Tanh(),
                                torch.nn.Linear(320, 1))
    d = sum(p.numel() for p in model.parameters())
    opt = (torch.optim.SGD(model.parameters(), lr=0.01) if a.opt == "sgd"
           else torch.optim.Adam(model.parameters(), lr=1e-3))
    loss_fn = torch.nn.MSELoss()
    g = torch.Generator().manual_seed(2)
    proc = subprocess.Popen([a.gnlab, "audit", "--json", "--list", "3", "-"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    rec = Recorder(model, opt, loss_fn, proc.stdin)
    t0 = time.perf_counter()
    peak = 0.0
    for _ in range(a.steps):
        x = torch.randn(32, 310, generator=g)
        y = torch.sin(x[:, :1] + x[:, 1:2])
        rec.step(x, y)
        peak = max(peak, vm_hwm(proc.pid))
    t_rec = time.perf_counter() - t0
    proc.stdin.close()
    out = proc.stdout.read()
    rc = proc.wait()
    wall = time.perf_counter() - t0
    mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    verdict = {}
    for line in out.splitlines():
        o = json.loads(line)
        if o.get("kind") == "verdict":
            verdict = o
    print("bench_recorder: %s, d = %d, %d steps recorded and audited through a pipe: wall %.1f s "
          "(recorder done after %.1f s), gnlab audit peak RSS %.1f MiB (recorder %.0f MiB), "
          "exit %d, verdict %s, largest err/B %s" % (
              a.opt, d, a.steps, wall, t_rec, peak, mine, rc, verdict.get("verdict", "?"),
              "%.3g" % (verdict["largest_err"] / verdict["largest_err_bound"])
              if verdict.get("largest_err_bound") else "-"))
    return 0 if rc == 0 and verdict.get("verdict") == "agree" else 1


if __name__ == "__main__":
    sys.exit(main())
