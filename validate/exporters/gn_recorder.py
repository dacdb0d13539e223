"""gn_recorder.py: record a PyTorch training run as a trace for `gnlab audit`.

    from gn_recorder import Recorder
    rec = Recorder(model, optimizer, loss_fn, "run.jsonl")      # line 1
    for x, y in loader:
        loss = rec.step(x, y)                                   # line 2: replaces
                                                                # zero_grad, forward,
                                                                # backward and step
    rec.close()

Every step writes one JSON Lines record (docs/trace-format.md):

* torch.optim.SGD (plain) and torch.optim.Adam: the one-sample format with the mean
  gradient g of the batch (method "sgd" or "adam", Adam's m, v and t before the step), all
  parameters flattened into one vector w.
* a Gauss-Newton optimizer (one that has an attribute ``gn_method``: "egn", "lm",
  "ignd_batch" or "gn_batch_undamped"): the mini-batch format. The recorder computes the
  per-sample Jacobian J of the c outputs (functorch's vmap of jacrev when available, else
  one autograd pass per output), the loss derivatives r = dl_i/df_i and the curvature
  Q_i = d^2 l_i / df_i^2 of each sample's loss l_i = loss_fn(f_i, y_i) (written as q for
  c = 1, as dense blocks Q otherwise), hands them to ``optimizer.step_batch(J, r, Q)`` (so
  that the step consumes exactly what is recorded) and records what that returns: the
  direction d, and for momentum beta, v_prev, v, and the accepted step size alpha.
  The optimizer's param_groups[0] gives lambda ("lambda") and mu ("mu", default 0); an
  attribute ``gn_route`` ("push" or "primal") is recorded as the record's route (the
  primal route's bound grows as d^2 u: a float32 EGN with d above ~1000 that does not
  declare its push-through route is undetermined).

The model may have a scalar head (outputs of shape (b,) or (b, 1)) or a c-output head
(b, c). The dtype of the record is the parameters' (float32 or float64); float32 values are
written exactly (their double value), as the audit requires.
"""
import json
import math

import torch

try:  # torch 1.13 ships functorch; torch >= 2 has torch.func
    from torch.func import functional_call, jacrev, vmap  # type: ignore
    HAVE_FUNC = True
except ImportError:  # pragma: no cover - depends on the installed torch
    try:
        from functorch import jacrev, vmap  # type: ignore
        from torch.nn.utils.stateless import functional_call  # type: ignore
        HAVE_FUNC = True
    except ImportError:
        HAVE_FUNC = False

GN_METHODS = ("egn", "lm", "ignd_batch", "gn_batch_undamped")


def flat(tensors):
    """the tensors as one flat vector (detached, a copy)"""
    return torch.cat([t.detach().reshape(-1) for t in tensors]).clone()


def dtype_name(dt):
    if dt == torch.float64:
        return "float64"
    if dt == torch.float32:
        return "float32"
    raise ValueError("gn_recorder: parameters of dtype %s (float32 or float64 only)" % dt)


def num(x):
    """a JSON number for the audit: NaN / Infinity spelt as the reader accepts them"""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return repr(float(x))


def arr(t):
    """a flat JSON array; json's C encoder writes float repr (exact for float64, and for a
    float32's double value) and NaN / Infinity as the audit's reader accepts them"""
    return json.dumps(t.reshape(-1).tolist(), separators=(",", ":"))


class Recorder:
    """Wraps one training step of (model, optimizer, loss_fn) and writes its trace to path."""

    def __init__(self, model, optimizer, loss_fn, path, method=None):
        self.model, self.opt, self.loss_fn = model, optimizer, loss_fn
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.names = [n for n, p in model.named_parameters() if p.requires_grad]
        self.method = method or getattr(optimizer, "gn_method", None) or self._torch_method()
        self.f = open(path, "w") if isinstance(path, str) else path
        self.own = isinstance(path, str)
        self.nstep = 0

    def _torch_method(self):
        if isinstance(self.opt, torch.optim.Adam):
            return "adam"
        if isinstance(self.opt, torch.optim.SGD):
            g = self.opt.param_groups[0]
            if g.get("momentum", 0) or g.get("weight_decay", 0) or g.get("nesterov", False):
                raise ValueError("gn_recorder: SGD with momentum or weight decay is not a "
                                 "method of the audit (plain SGD only)")
            return "sgd"
        raise ValueError("gn_recorder: optimizer %s: give method= or an attribute gn_method"
                         % type(self.opt).__name__)

    def close(self):
        if self.own:
            self.f.close()

    # ---------------------------------------------------------------- per-sample terms
    def jacobian(self, x):
        """J (b*c x d) of the model's outputs at the current parameters, and the outputs"""
        if HAVE_FUNC:
            pd = {n: p.detach() for n, p in zip(self.names, self.params)}

            def f1(p, xi):
                out = functional_call(self.model, p, (xi.unsqueeze(0),))
                return out.reshape(-1)

            jac = vmap(jacrev(f1), in_dims=(None, 0))(pd, x)
            out = self.model(x).detach()
            b = x.shape[0]
            c = out.reshape(b, -1).shape[1]
            J = torch.cat([jac[n].reshape(b, c, -1) for n in self.names], dim=2)
            return J.reshape(b * c, -1), out.reshape(b, c)
        out = self.model(x)
        b = out.shape[0]
        o = out.reshape(b, -1)
        c = o.shape[1]
        rows = []
        for i in range(b):
            for k in range(c):
                g = torch.autograd.grad(o[i, k], self.params, retain_graph=True,
                                        allow_unused=True)
                rows.append(torch.cat([(gg if gg is not None else torch.zeros_like(p))
                                       .reshape(-1) for gg, p in zip(g, self.params)]))
        return torch.stack(rows).detach(), o.detach()

    def loss_terms(self, out, y):
        """r (b*c) and the c x c blocks Q (b, c, c) of each sample's loss l_i(f_i)"""
        b, c = out.shape
        rs, Qs = [], []
        for i in range(b):
            fi = out[i].clone().requires_grad_(True)
            yi = y[i:i + 1]
            li = self.loss_fn(fi.reshape((1,) + tuple(self.out_shape[1:])), yi)
            (gi,) = torch.autograd.grad(li, fi, create_graph=True)
            H = torch.stack([torch.autograd.grad(gi[k], fi, retain_graph=True)[0]
                             for k in range(c)])
            rs.append(gi.detach())
            Qs.append(0.5 * (H + H.T).detach())  # the Hessian is symmetric: exactly so
        return torch.cat(rs), torch.stack(Qs)

    # ---------------------------------------------------------------- the step
    def step(self, x, y):
        """one training step on the batch (x, y), recorded; returns the loss (a tensor)"""
        w = flat(self.params)
        if self.method in GN_METHODS:
            return self._gn_step(x, y, w)
        return self._torch_step(x, y, w)

    def _torch_step(self, x, y, w):
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        g = flat([p.grad for p in self.params])
        rec = {"method": self.method, "dtype": dtype_name(w.dtype), "step": self.nstep,
               "alpha": self.opt.param_groups[0]["lr"]}
        if self.method == "adam":
            grp = self.opt.param_groups[0]
            st = [self.opt.state.get(p, {}) for p in self.params]
            t = int(st[0]["step"]) if st[0] else 0
            m = flat([s["exp_avg"] if s else torch.zeros_like(p) for s, p in zip(st, self.params)])
            v = flat([s["exp_avg_sq"] if s else torch.zeros_like(p)
                      for s, p in zip(st, self.params)])
            rec.update(beta1=grp["betas"][0], beta2=grp["betas"][1], eps=grp["eps"], t=t)
            if grp.get("amsgrad") or grp.get("weight_decay"):
                raise ValueError("gn_recorder: Adam with amsgrad or weight decay is not audited")
            self.opt.step()
            self._write(rec, w=w, g=g, m=m, v=v, w_after=flat(self.params))
        else:
            self.opt.step()
            self._write(rec, w=w, g=g, w_after=flat(self.params))
        self.nstep += 1
        return loss.detach()

    def _gn_step(self, x, y, w):
        out0 = self.model(x)
        self.out_shape = tuple(out0.shape) if out0.dim() > 1 else (out0.shape[0],)
        J, out = self.jacobian(x)
        r, Q = self.loss_terms(out, y)
        b, c = out.shape
        grp = self.opt.param_groups[0]
        extra = self.opt.step_batch(J, r, Q, closure=lambda: self.loss_fn(self.model(x), y)) or {}
        rec = {"method": self.method, "dtype": dtype_name(w.dtype), "step": self.nstep,
               "b": b, "c": c, "lambda": grp.get("lambda", 0.0), "mu": grp.get("mu", 0.0),
               "alpha": extra.pop("alpha", grp["lr"])}
        if "beta" in extra:
            rec["beta"] = extra.pop("beta")
        if getattr(self.opt, "gn_route", None) in ("push", "primal"):
            rec["route"] = self.opt.gn_route  # the audit then holds it to that route's bound
        vecs = {"w": w, "J": J, "r": r}
        if c == 1:
            vecs["q"] = Q.reshape(-1)
        else:
            vecs["Q"] = Q
        for k in ("d", "v_prev", "v"):
            if k in extra:
                vecs[k] = extra.pop(k).detach()
        vecs["w_after"] = extra.pop("w_after", None)
        if vecs["w_after"] is None:
            vecs["w_after"] = flat(self.params)
        if "w" in extra:  # a planted logging mistake in the tests
            vecs["w"] = extra.pop("w")
        self._write(rec, **vecs)
        self.nstep += 1
        with torch.no_grad():
            return self.loss_fn(out0, y).detach()

    def _write(self, rec, **vecs):
        parts = ['"%s":%s' % (k, json.dumps(v) if isinstance(v, str) else num(v))
                 for k, v in rec.items()]
        parts += ['"%s":%s' % (k, arr(v)) for k, v in vecs.items()]
        self.f.write("{" + ",".join(parts) + "}\n")
