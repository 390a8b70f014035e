"""Benchmark: Sloth's leave-family-out evaluation (paper Fig. 1, LB v2, k = 1, d = 2).

Reproduces the headline of Maia Polo et al. 2025 (arXiv:2412.06540), Fig. 1: the MAE in
percentage points of predicting each held-out family group's larger models from its smallest
one, averaged over the paper's 12 folds, for

* Sloth (trained monotone link, learned floors, d = 2; paper 2.86 pp),
* Sloth basic (sigmoid link, chance floors; paper 3.65 pp),
* the FLOPs baseline with family intercepts (paper ``logF_sigmoid_faminter``, 3.79 pp) and with a
  shared intercept (paper ``logF_sigmoid``, Owen 2024, 4.86 pp),

and prints the run time of each. Speed baseline, measured in the same run: one fold's sigmoid
stage fitted the way a user with PyTorch would (the loss written in torch, float64, its gradient
from autograd) driving the same scipy L-BFGS-B with the same options from the same start, vs
scalinglab's hand-written gradients; both training losses are printed (equal final quality) with
the ratio of run times. Both run with one BLAS/intra-op thread.

Run: ``python benchmarks/bench_sloth.py [path/to/data_v2.csv] [--methods sloth,basic,flops,flops-shared]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from scalinglab.skills import sloth as sloth_mod
from scalinglab.skills.sloth import Sloth
from scalinglab.skills.sloth_data import SUITES, load_scores
from scalinglab.skills.sloth_protocol import PAPER_MAE_PP, evaluate, make_folds, split_fold

DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "data" / "sloth" / "data_v2.csv"


def _autograd_minimize(prob, x0, max_iter, numeric_grad=False):
    """``sloth._minimize`` with the gradient from torch autograd (sigmoid stage only)."""
    import numpy as np
    import torch
    from scipy.optimize import minimize

    assert not prob.monotone and not prob.learn_floor, "the autograd baseline covers the sigmoid stage"
    layout = prob.layout()
    X, D, Y = (torch.from_numpy(np.ascontiguousarray(a, dtype=float)) for a in (prob.X, prob.D, prob.Y))
    c = torch.from_numpy(np.asarray(prob.floors, dtype=float))

    def fg(x):
        t = torch.from_numpy(x).requires_grad_()
        parts, i = {}, 0
        for name, shape in layout.shapes.items():
            n = int(np.prod(shape))
            parts[name] = t[i:i + n].reshape(shape)
            i += n
        L = torch.eye(prob.d, dtype=t.dtype) if prob.fixed_loadings else parts["L"]
        z = (X @ parts["Wx"] + D @ parts["Wd"]) @ L + parts["b"]
        r = c + (1 - c) * torch.sigmoid(z) - Y
        loss = torch.nn.functional.smooth_l1_loss(r, torch.zeros_like(r), beta=prob.delta)
        loss.backward()
        return float(loss.detach()), t.grad.numpy().copy()

    res = minimize(fg, x0, jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "maxfun": 4 * max_iter, "ftol": sloth_mod._FTOL,
                            "gtol": 1e-9, "maxcor": 30})
    return res.x, float(res.fun), int(res.nfev)


def speed_baseline(table, seed: int = 0) -> None:
    """Time one sigmoid-stage fit: hand-written gradient vs torch autograd (same optimiser, same start)."""
    try:
        import torch
    except ImportError:
        print("\nspeed: skipped (the autograd baseline needs torch: pip install -e '.[sweep]')")
        return
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    data = table.with_min_models(2)
    name, fams = make_folds(data, 1, "v2")[0]
    train, _ = split_fold(data, fams, 1)
    times, losses = {}, {}
    original = sloth_mod._minimize
    for label, fn in (("scalinglab gradient", original), ("torch autograd", _autograd_minimize)):
        sloth_mod._minimize = fn
        try:
            with threadpool_limits(1):
                t0 = time.perf_counter()
                m = Sloth(2, "basic", n_init=1, max_iter=3000, seed=seed).fit(
                    train.params_b, train.tokens_t, train.families, train.scores, floors=train.floors)
                times[label], losses[label] = time.perf_counter() - t0, m.loss_
        finally:
            sloth_mod._minimize = original
    print(f"\nspeed (fold {name!r}, sigmoid stage, L-BFGS-B to convergence, same start):")
    for label in times:
        print(f"  {label:20s} {times[label]:7.2f} s   training Huber loss {losses[label]:.8f}")
    rel = abs(losses["torch autograd"] - losses["scalinglab gradient"]) / losses["scalinglab gradient"]
    print(f"  final losses differ by {rel:.1e} (relative); ratio autograd / scalinglab: "
          f"{times['torch autograd'] / times['scalinglab gradient']:.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT))
    ap.add_argument("--methods", default="sloth,basic,flops,flops-shared")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    table = load_scores(args.data, SUITES["v2"])
    print(f"data: {args.data} ({len(table)} complete models on LB v2)")
    print("LB v2, k = 1 smallest model per held-out family, d = 2 skills, 12 paper folds\n")
    print(f"{'method':14s} {'MAE (pp)':>9s} {'paper':>7s} {'diff':>6s} {'seconds':>8s}")
    total = time.perf_counter()
    for method in args.methods.split(","):
        res = evaluate(table, k=1, n_skills=2, method=method, suite="v2", seed=args.seed)
        paper = PAPER_MAE_PP[method]
        print(f"{method:14s} {res.mae_pp:9.2f} {paper:7.2f} {res.mae_pp - paper:+6.2f} {res.seconds:8.1f}",
              flush=True)
    print(f"total evaluation time: {time.perf_counter() - total:.1f} s")
    speed_baseline(table, args.seed)


if __name__ == "__main__":
    main()
