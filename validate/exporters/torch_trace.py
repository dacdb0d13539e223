#!/usr/bin/python3
"""torch_trace.py: record an optimizer trace from PyTorch for `gnlab audit`.

A linear model f = w.x trained one sample at a time; each step writes one record with
what the step consumed and produced (docs/trace-format.md describes the format):

  --opt sgd        torch.optim.SGD (plain: no momentum, no weight decay), records g = w.grad
  --opt adam       torch.optim.Adam, records g and the state m, v, t before the step
  --opt ignd       IGND written in PyTorch (below), records j, l', l'' from autograd
  --opt adam_ignd  Adam-IGND: torch.optim.Adam fed with g~ = xi l' j

--bug NAME plants one of the catalogue's wrong variants in the PyTorch IGND / Adam-IGND
(mu_after_outer lambda_missing g_norm lpp_missing batch_undamped f32_sumsq wrong_sign
adam_no_bias adam_eps_inside xi_after_adam), so that the audit's diagnosis can be tested
against a real framework. Needs Debian's python3-torch (CPU).
"""
import argparse
import json
import math
import sys

import torch

BUGS = ("mu_after_outer", "lambda_missing", "g_norm", "lpp_missing", "batch_undamped",
        "f32_sumsq", "wrong_sign", "adam_no_bias", "adam_eps_inside", "xi_after_adam")


def ignd_xi(j, lp, lpp, lam, mu, bug):
    """xi = 1 / ((l'' + mu) |j|^2 + lambda), MATH.md (3.13), with an optional planted bug."""
    if bug == "f32_sumsq":
        j32 = j.to(torch.float32)
        S = (j32 * j32).sum().to(j.dtype)
    else:
        S = (j * j).sum()
    if bug == "g_norm":
        S = lp * lp * S
    if bug == "mu_after_outer":
        den = lpp * S + mu + lam
    elif bug == "lambda_missing":
        den = (lpp + mu) * S
    elif bug == "lpp_missing":
        den = mu * S + lam
    elif bug == "batch_undamped":
        den = lpp * S
    else:
        den = (lpp + mu) * S + lam
    return 1.0 / den


def ignd_step(w, j, lp, lpp, alpha, lam, mu, bug):
    """w -= alpha xi l' j, MATH.md (3.14)."""
    with torch.no_grad():
        c = alpha * ignd_xi(j, lp, lpp, lam, mu, bug) * lp
        if bug == "wrong_sign":
            w.add_(c * j)
        else:
            w.sub_(c * j)


def manual_adam(w, g, m, v, t, alpha, b1, b2, eps, bug):
    """Adam written out (for the planted Adam bugs); m, v updated in place."""
    with torch.no_grad():
        m.mul_(b1).add_(g, alpha=1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        if bug == "adam_no_bias":
            mh, vh = m, v
        else:
            mh = m / (1 - b1 ** (t + 1))
            vh = v / (1 - b2 ** (t + 1))
        den = (vh + eps).sqrt() if bug == "adam_eps_inside" else vh.sqrt() + eps
        w.sub_(alpha * mh / den)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", metavar="DIR", default=None,
                    help="write the test set into DIR in one process: good_OPT_DTYPE.{jsonl,csv} "
                         "for every optimizer and type, bug_NAME.jsonl for every planted bug")
    ap.add_argument("--opt", choices=("sgd", "adam", "ignd", "adam_ignd"), default="ignd")
    ap.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--dim", type=int, default=8)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--loss", choices=("squared", "bce"), default=None)
    ap.add_argument("--bug", choices=BUGS, default=None)
    ap.add_argument("--format", choices=("csv", "jsonl"), default=None)
    ap.add_argument("--out", default="-")
    a = ap.parse_args()
    if a.steps < 1 or a.dim < 1:
        ap.error("--steps and --dim must be >= 1")
    if a.batch is None:
        run(a)
        return
    k = 0
    for opt in ("sgd", "adam", "ignd", "adam_ignd"):
        for dtype in ("float64", "float32"):
            ext = "csv" if k % 2 else "jsonl"
            run(argparse.Namespace(**dict(vars(a), opt=opt, dtype=dtype, bug=None, format=ext,
                                          out="%s/good_%s_%s.%s" % (a.batch, opt, dtype, ext))))
            k += 1
    for bug in BUGS:
        opt = "adam_ignd" if bug.startswith("adam_") or bug == "xi_after_adam" else "ignd"
        run(argparse.Namespace(**dict(vars(a), opt=opt, dtype="float64", bug=bug, format="jsonl",
                                      out="%s/bug_%s.jsonl" % (a.batch, bug))))


def run(a):
    fmt = a.format or ("csv" if a.out.endswith(".csv") else "jsonl")
    loss_name = a.loss or ("bce" if a.bug == "lpp_missing" else "squared")
    dt = torch.float64 if a.dtype == "float64" else torch.float32
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)

    d = a.dim
    w = torch.randn(d, generator=gen, dtype=torch.float64).to(dt).requires_grad_(True)
    alpha = {"sgd": 0.05, "adam": 0.01, "ignd": 0.5, "adam_ignd": 0.01}[a.opt]
    lam, mu = 0.5, 0.3
    b1, b2, eps = 0.9, 0.999, 1e-8
    opt = None
    if a.opt == "sgd":
        opt = torch.optim.SGD([w], lr=alpha)
    elif a.opt == "adam" or (a.opt == "adam_ignd" and a.bug not in ("adam_no_bias", "adam_eps_inside")):
        opt = torch.optim.Adam([w], lr=alpha, betas=(b1, b2), eps=eps)
    m_man = torch.zeros(d, dtype=dt)
    v_man = torch.zeros(d, dtype=dt)

    out = sys.stdout if a.out == "-" else open(a.out, "w")
    header_done = False

    for s in range(a.steps):
        scale = 2.0 ** (s % 5 - 2)
        x = (torch.randn(d, generator=gen, dtype=torch.float64) * scale).to(dt)
        if loss_name == "bce":
            y = float(s % 2)
        else:
            y = float(torch.randn(1, generator=gen, dtype=torch.float64))
        yt = torch.tensor(y, dtype=dt)
        f = (w * x).sum()
        if loss_name == "bce":
            loss = torch.nn.functional.binary_cross_entropy_with_logits(f, yt)
        else:
            loss = 0.5 * (f - yt) ** 2
        rec = {"method": a.opt, "dtype": a.dtype, "alpha": alpha}
        w_before = w.detach().clone()
        if a.opt in ("sgd", "adam"):
            opt.zero_grad()
            loss.backward()
            g = w.grad.detach().clone()
            rec["g"] = g.tolist()
            if a.opt == "adam":
                st = opt.state.get(w, {})
                t = int(float(st["step"])) if "step" in st else 0
                m = st["exp_avg"].tolist() if "exp_avg" in st else [0.0] * d
                v = st["exp_avg_sq"].tolist() if "exp_avg_sq" in st else [0.0] * d
                rec.update(beta1=b1, beta2=b2, eps=eps, t=t, m=m, v=v)
            opt.step()
        else:
            # j = grad_w f, l' = dl/df, l'' = d2l/df2, all from autograd
            (j,) = torch.autograd.grad(f, w, retain_graph=True)
            (lp,) = torch.autograd.grad(loss, f, create_graph=True)
            (lpp,) = torch.autograd.grad(lp, f)
            lp = lp.detach()
            lpp = lpp.detach()
            rec.update({"lambda": lam, "mu": mu, "loss": loss_name, "f": float(f),
                        "y": y, "lp": float(lp), "lpp": float(lpp), "j": j.tolist()})
            if a.opt == "ignd":
                ignd_step(w, j, lp, lpp, alpha, lam, mu, a.bug)
            else:
                rec.update(beta1=b1, beta2=b2, eps=eps)
                with torch.no_grad():
                    xi = ignd_xi(j, lp, lpp, lam, mu, a.bug if a.bug not in ("xi_after_adam",) else None)
                    gt = lp * j if a.bug == "xi_after_adam" else xi * lp * j
                if opt is None:
                    rec.update(t=s, m=m_man.tolist(), v=v_man.tolist())
                    manual_adam(w, gt, m_man, v_man, s, alpha, b1, b2, eps, a.bug)
                else:
                    st = opt.state.get(w, {})
                    t = int(float(st["step"])) if "step" in st else 0
                    rec.update(t=t,
                               m=st["exp_avg"].tolist() if "exp_avg" in st else [0.0] * d,
                               v=st["exp_avg_sq"].tolist() if "exp_avg_sq" in st else [0.0] * d)
                    w.grad = gt.clone()
                    opt.step()
                    if a.bug == "xi_after_adam":
                        with torch.no_grad():
                            w.copy_(w_before + xi * (w - w_before))
        rec["w"] = w_before.tolist()
        rec["w_after"] = w.detach().tolist()
        write(out, rec, fmt, header_done)
        header_done = True
    if out is not sys.stdout:
        out.close()


SCALARS = ("alpha", "lambda", "mu", "beta1", "beta2", "eps", "t", "f", "y", "lp", "lpp")
VECTORS = ("w", "j", "g", "m", "v", "w_after")


def num(x):
    return repr(float(x)) if isinstance(x, float) else str(x)


def write(out, rec, fmt, header_done):
    if fmt == "jsonl":
        out.write(json.dumps(rec) + "\n")
        return
    cols, vals = ["method", "dtype"], [rec["method"], rec["dtype"]]
    if "loss" in rec:
        cols.append("loss")
        vals.append(rec["loss"])
    for k in SCALARS:
        if k in rec:
            cols.append(k)
            vals.append(num(rec[k]))
    for k in VECTORS:
        if k in rec:
            for i, x in enumerate(rec[k]):
                cols.append("%s_%d" % (k, i))
                vals.append(num(x))
    if not header_done:
        out.write(",".join(cols) + "\n")
    out.write(",".join(vals) + "\n")


if __name__ == "__main__":
    main()
