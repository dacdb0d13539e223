#!/usr/bin/python3
"""test_recorder.py GNLAB [WORKDIR]: gn_recorder.Recorder on real PyTorch training runs,
each trace audited by `GNLAB audit --json`.

Optimizers the project did not write for itself: torch.optim.SGD and torch.optim.Adam, and
an EGN and a batched IGND written here from the papers' pseudo-code (MATH.md §9: the
push-through solve d = -(1/b) J^T (lambda I + D K / b)^-1 r, Armijo backtracking and
momentum on the direction; IGND's (3.12) per sample, averaged). Models: an MLP and a small
convolutional network, scalar (BCE, squared) and 3-output (softmax cross-entropy) heads,
float64 and float32. Every correct trace must agree (exit 0); each planted mini-batch
mistake must disagree with the catalogue naming it first. Exit status 0 when all hold.
"""
import json
import os
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gn_recorder import Recorder  # noqa: E402


def unflat_add(params, v, scale):
    with torch.no_grad():
        k = 0
        for p in params:
            n = p.numel()
            p.add_(v[k:k + n].reshape(p.shape), alpha=scale)
            k += n


class EGN(torch.optim.Optimizer):
    """EGN from the pseudo-code: push-through direction, optional momentum and Armijo
    backtracking line search (c1 = 1e-4, halving from lr). bug plants one mistake."""
    gn_method = "egn"
    gn_route = "push"

    def __init__(self, params, lr=1.0, lam=0.5, mu=0.05, beta=None, linesearch=False, bug=None):
        super().__init__(params, {"lr": lr, "lambda": lam, "mu": mu})
        self.beta, self.ls, self.bug = beta, linesearch, bug
        self.vbuf = None

    def direction(self, J, r, Q, lam, mu):
        b, c = Q.shape[0], Q.shape[1]
        m = b * c
        D = torch.block_diag(*[Q[i] + (0.0 if self.bug == "mu_missing" else mu)
                               * torch.eye(c, dtype=Q.dtype) for i in range(b)])
        if self.bug == "mean_of_ignd":
            n2 = (J * J).sum(1)
            return -((r / (torch.diagonal(D) * n2 + lam)).unsqueeze(1) * J).sum(0) / b
        K = (J.float() @ J.float().T).to(J.dtype) if self.bug == "gram_f32" else J @ J.T
        I = torch.eye(m, dtype=J.dtype)
        bc = 1.0 if self.bug == "b_missing" else b * b if self.bug == "b_twice" else b
        if self.bug == "q_wrong_side":
            M = lam * I + K @ D / bc
        elif self.bug == "lambda_scaled_by_q":
            M = lam * D + D @ K / bc
        elif self.bug == "damping_inside_scale":
            M = D @ (K + lam * I) / bc
        else:
            M = lam * I + D @ K / bc
        z = torch.linalg.solve(M, r)
        return -(J.T @ z) / bc

    def step_batch(self, J, r, Q, closure=None):
        grp = self.param_groups[0]
        params = grp["params"]
        d = self.direction(J, r, Q, grp["lambda"], grp["mu"])
        out = {"d": d}
        v = d
        if self.beta is not None:
            vp = self.vbuf if self.vbuf is not None else torch.zeros_like(d)
            damp = 1.0 if self.bug == "momentum_no_dampening" else 1.0 - self.beta
            v = self.beta * vp + damp * d
            self.vbuf = v
            out.update(beta=self.beta, v_prev=vp, v=v)
        eta = grp["lr"]
        if self.ls and closure is not None:
            with torch.no_grad():
                L0 = float(closure())
                g = (J.T @ r) / Q.shape[0]
                slope = float(g @ v)
                for _ in range(30):
                    unflat_add(params, v, eta)
                    L1 = float(closure())
                    unflat_add(params, v, -eta)
                    if L1 <= L0 + 1e-4 * eta * slope:
                        break
                    eta *= 0.5
        w_before = torch.cat([p.detach().reshape(-1) for p in params]).clone()
        unflat_add(params, v, -eta if self.bug == "wrong_sign" else eta)
        out["alpha"] = eta
        if self.bug == "w_recorded_after":
            out["w"] = torch.cat([p.detach().reshape(-1) for p in params]).clone()
        del w_before
        return out


class IGNDBatch(torch.optim.Optimizer):
    """the mean of per-sample IGND directions (MATH.md (3.12)), c = 1"""
    gn_method = "ignd_batch"

    def __init__(self, params, lr=0.5, lam=0.5, mu=0.1, bug=None):
        super().__init__(params, {"lr": lr, "lambda": lam, "mu": mu})
        self.bug = bug

    def step_batch(self, J, r, Q, closure=None):
        grp = self.param_groups[0]
        b = Q.shape[0]
        q = Q.reshape(b)
        n2 = (J * J).sum(1)
        d = -((r / ((q + grp["mu"]) * n2 + grp["lambda"])).unsqueeze(1) * J).sum(0)
        d = d / (1.0 if self.bug == "b_missing" else b)
        unflat_add(grp["params"], d, grp["lr"])
        return {"d": d}


def mlp(c, dt):
    torch.manual_seed(1)
    return torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(),
                               torch.nn.Linear(6, c)).to(dt)


def conv(c, dt):
    torch.manual_seed(2)
    return torch.nn.Sequential(torch.nn.Unflatten(1, (1, 4, 4)), torch.nn.Conv2d(1, 2, 3),
                               torch.nn.Tanh(), torch.nn.Flatten(),
                               torch.nn.Linear(8, c)).to(dt)


def data(net, c, loss, dt, b, steps):
    g = torch.Generator().manual_seed(7)
    nin = 4 if net == "mlp" else 16
    for _ in range(steps):
        x = torch.randn(b, nin, generator=g, dtype=torch.float64).to(dt)
        if loss == "ce":
            y = torch.randint(0, c, (b,), generator=g)
        elif loss == "bce":
            y = torch.randint(0, 2, (b, 1), generator=g).to(dt)
        else:
            y = torch.randn(b, 1, generator=g, dtype=torch.float64).to(dt)
        yield x, y


LOSSES = {"bce": torch.nn.BCEWithLogitsLoss, "ce": torch.nn.CrossEntropyLoss,
          "mse": torch.nn.MSELoss}


def record(path, opt, net, loss, dt, bug=None, steps=4, b=4, **kw):
    c = 3 if loss == "ce" else 1
    model = (mlp if net == "mlp" else conv)(c, dt)
    if opt == "sgd":
        o = torch.optim.SGD(model.parameters(), lr=0.05)
    elif opt == "adam":
        o = torch.optim.Adam(model.parameters(), lr=0.01)
    elif opt == "egn":
        o = EGN(model.parameters(), bug=bug, **kw)
    else:
        o = IGNDBatch(model.parameters(), bug=bug, **kw)
    loss_fn = LOSSES[loss]()
    rec = Recorder(model, o, loss_fn, path)
    for x, y in data(net, c, loss, dt, b, steps):
        rec.step(x, y)
    rec.close()


def audit(gnlab, path):
    p = subprocess.run([gnlab, "audit", "--json", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    verdict = {}
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if o.get("kind") == "verdict":
            verdict = o
    return p.returncode, verdict, p.stderr.strip()


CORRECT = [
    ("sgd", "mlp", "bce", torch.float32, {}), ("adam", "mlp", "mse", torch.float32, {}),
    ("sgd", "conv", "ce", torch.float64, {}), ("adam", "conv", "bce", torch.float32, {}),
    ("egn", "mlp", "bce", torch.float64, {}), ("egn", "conv", "bce", torch.float32, {}),
    ("egn", "mlp", "ce", torch.float64, {}), ("egn", "conv", "mse", torch.float64, {}),
    ("egn", "mlp", "bce", torch.float64, {"beta": 0.9, "linesearch": True, "lr": 1000.0}),
    ("ignd", "mlp", "bce", torch.float64, {}), ("ignd", "conv", "mse", torch.float32, {}),
]
PLANTED = ["q_wrong_side", "b_missing", "b_twice", "lambda_scaled_by_q",
           "damping_inside_scale", "mu_missing", "mean_of_ignd", "wrong_sign", "gram_f32",
           "momentum_no_dampening", "w_recorded_after"]


def main():
    if len(sys.argv) > 2:
        os.makedirs(sys.argv[2], exist_ok=True)
        return run_all(sys.argv[1], sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="gn_recorder_") as work:
        return run_all(sys.argv[1], work)


def run_all(gnlab, work):
    bad = 0
    for i, (opt, net, loss, dt, kw) in enumerate(CORRECT):
        path = os.path.join(work, "good_%d_%s_%s_%s.jsonl" % (i, opt, net, loss))
        record(path, opt, net, loss, dt, **kw)
        rc, v, err = audit(gnlab, path)
        ok = rc == 0 and v.get("verdict") == "agree"
        bad += not ok
        print("%s correct %-5s %-4s %-3s %s%s: exit %d, largest err/B %s" % (
            "ok  " if ok else "FAIL", opt, net, loss, str(dt)[6:], " " + str(kw) if kw else "",
            rc, "%.3g" % (v["largest_err"] / v["largest_err_bound"])
            if v.get("largest_err_bound") else "-"), err)
    for bug in PLANTED:
        path = os.path.join(work, "bug_%s.jsonl" % bug)
        kw = {"beta": 0.9} if bug == "momentum_no_dampening" else {}
        record(path, "egn", "mlp", "bce", torch.float64, bug=bug, **kw)
        rc, v, err = audit(gnlab, path)
        first = (v.get("diagnosis") or "").split(",")[0]
        ok = rc == 1 and first == bug
        bad += not ok
        print("%s planted %-22s: exit %d, named first %s" % ("ok  " if ok else "FAIL", bug, rc,
                                                               first or "-"), err)
    print("%d failures" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
