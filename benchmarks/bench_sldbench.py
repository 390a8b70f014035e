"""Benchmark: the project's laws on SLDBench (Lin et al. 2025, "Can Language Models Discover Scaling
Laws?", arXiv:2507.21184) against the benchmark's human-law baselines.

For each task held in ``tests/data/external/sldbench/`` (see its SOURCE.md): fit on the train split
only, score R² = 1 − MSE/Var(test targets) on the test split (the benchmark's evaluator), print it
next to the published human-law R² (the benchmark's "oracle" baseline, measured by its authors).
Each law is fitted with the objective its paper uses (Muennighoff et al.: Huber δ = 1e-3 on log loss,
as Hoffmann et al.; Clark et al.'s law is linear in log L for a fixed Ê: least squares in log space;
Tao, Li and Ye et al.: least squares). Where the paper leaves a choice open (the vocabulary task: is
N_v the vocabulary size × width, or the size alone?), it is made on the train split alone:
leave-largest-out along the axis the test split extrapolates (the train runs with the largest value
are held out, the rest fitted), highest held-out R² wins.

    .venv/bin/python benchmarks/bench_sldbench.py [--json] [--tasks moe,data_constrained]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglab.data.runs import load_law_inputs
from scalinglab.fitting.estimator import ScalingLawFit
from scalinglab.laws import get_law
from scalinglab.laws.hyperparams import OPTIMA, HyperparamsLaw

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "external" / "sldbench"

#: Human-law R² on the test split (SOURCE.md: the Harbor adapter's parity report, "Oracle Results").
BASELINES = {"data_constrained": 0.911, "moe": 0.703, "vocab": 0.966, "lr_bsz": -0.076,
             "domain_mixture": 0.671}


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    """SLDBench's metric: 1 − MSE / Var(y) on the test targets."""
    y, pred = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    return float(1.0 - np.mean((y - pred) ** 2) / np.var(y))


def fit_and_score(law: str, train: pd.DataFrame, test: pd.DataFrame, loss: str, columns=None,
                  loss_col: str | None = None, top_k: int = 8) -> tuple[float, dict]:
    """Fit ``law`` on ``train`` with objective ``loss``; R² on ``test``."""
    the_law = get_law(law)
    tr = load_law_inputs(train, the_law, columns=columns, loss_col=loss_col)
    te = load_law_inputs(test, the_law, columns=columns, loss_col=loss_col)
    fit = ScalingLawFit(law=the_law, loss=loss, top_k=top_k).fit(tr).result_
    pred = fit.predict(**{k: te.column(the_law.column_of(k)) for k in the_law.inputs})
    return r2(te.loss, pred), fit.params


def choose(train: pd.DataFrame, axis: str, candidates: dict[str, Callable]) -> tuple[str, dict]:
    """Leave-largest-out on the train split: hold out the rows with the largest ``axis`` value."""
    held = train[axis] == train[axis].max()
    scores = {name: run(train[~held], train[held])[0] for name, run in candidates.items()}
    return max(scores, key=scores.get), scores


def _select_and_test(train, test, axis, candidates) -> dict:
    best, scores = choose(train, axis, candidates)
    score, params = candidates[best](train, test)
    return {"r2": score, "chosen": best, "selection_r2": scores, "params": params,
            "n_train": len(train), "n_test": len(test)}


def task_data_constrained() -> dict:
    """Muennighoff et al. 2023's 182 runs; test = the two largest D and the two largest N (21 runs)."""
    frame = pd.read_csv(DATA / "data_constrained_split.csv")
    train, test = frame[frame.split == "train"], frame[frame.split == "test"]
    score, params = fit_and_score("data-constrained", train, test, "huber")
    return {"r2": score, "chosen": "data-constrained/huber", "selection_r2": {}, "params": params,
            "n_train": len(train), "n_test": len(test)}


def task_moe() -> dict:
    """Clark et al. 2022's routed LMs at step 249000; test = the largest dense size (28 runs)."""
    frame = pd.read_csv(DATA / "moe_split.csv")
    train, test = frame[frame.split == "train"], frame[frame.split == "test"]
    score, params = fit_and_score("moe-routed", train, test, "lsq", columns={"experts": "E"})
    return {"r2": score, "chosen": "moe-routed/lsq", "selection_r2": {}, "params": params,
            "n_train": len(train), "n_test": len(test)}


def task_vocab() -> dict:
    """Tao et al. 2024's 1200 runs; test = the largest vocabulary (96256, 120 runs)."""
    frame = pd.read_csv(DATA / "vocab_tao2024.csv")
    test_mask = frame.vocab_size == frame.vocab_size.max()
    train, test = frame[~test_mask], frame[test_mask]
    cands = {f"vocab/Nv={name}": (lambda tr, te, c=cols: fit_and_score("vocab", tr, te, "lsq", columns=c,
                                                                       loss_col="Lossu", top_k=2))
             for name, cols in (("vocab_size*embed_dim", None), ("vocab_size", {"Nv": "vocab_size"}))}
    return _select_and_test(train, test, "vocab_size", cands)


#: Li et al. 2025's Step Law exponents (η* ∝ N^−0.713·D^0.307, B* ∝ D^0.571; ``OPTIMA["li2025"]``).
STEP_LAW_EXPONENTS = {"h_N": OPTIMA["li2025"].lr[1], "h_D": OPTIMA["li2025"].lr[2], "g_D": OPTIMA["li2025"].batch[2]}


class StepLawExponentsLaw(HyperparamsLaw):
    """The ``hyperparams`` law with the optima's exponents held at Li et al.'s published Step Law values.

    Only the scales of η* and b* are fitted (they absorb the batch unit: sequences here, tokens in the
    paper), with E, A, α, B, β and the two curvatures: the human knowledge of the task (Chinchilla's
    loss in N and D, Step Law's optima) with nothing about how the optima scale learnt from the data.
    Not registered: a baseline of this benchmark only.
    """

    name = "hyperparams-steplaw"
    title = "Chinchilla + bowls around Step Law optima (published exponents)"
    parameters = tuple(p for p in HyperparamsLaw.parameters if p.name not in STEP_LAW_EXPONENTS)
    start_grid = {k: v for k, v in HyperparamsLaw.start_grid.items() if k not in STEP_LAW_EXPONENTS}
    _FULL = tuple(p.name for p in HyperparamsLaw.parameters)
    _FREE = np.array([i for i, n in enumerate(_FULL) if n not in STEP_LAW_EXPONENTS])

    def _full(self, theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        full = np.empty((theta.shape[0], len(self._FULL)))
        full[:, self._FREE] = theta
        for name, value in STEP_LAW_EXPONENTS.items():
            full[:, self._FULL.index(name)] = value
        return full

    def log_predict(self, theta, F, jac=False):
        res = super().log_predict(self._full(theta), F, jac=jac)
        return (res[0], res[1][..., self._FREE]) if jac else res

    def data_starts(self, F, y):
        """As ``hyperparams``: the best (lr, batch) per (N, D) cell, here giving only the two scales."""
        starts = super().data_starts(F, y)
        if starts is None:
            return None
        cells = {}
        for i, key in enumerate(zip(np.round(F["logN"], 6), np.round(F["logD"], 6), strict=True)):
            if key not in cells or y[i] < y[cells[key]]:
                cells[key] = i
        best = np.array(list(cells.values()))
        e = STEP_LAW_EXPONENTS
        starts[:, self._FULL.index("h")] = np.mean(F["loglr"][best] - e["h_N"] * F["logN"][best]
                                                   - e["h_D"] * F["logD"][best])
        starts[:, self._FULL.index("g")] = np.mean(F["logbs"][best] - e["g_D"] * F["logD"][best])
        return starts[:, self._FREE]


def _lr_bsz_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Li et al. 2025's sweep (smooth loss ≤ 4, the loader's filter); test = the largest model."""
    frame = pd.read_csv(DATA / "lr_bsz_dense.csv")
    frame = frame[frame["smooth loss"] <= 4.0].drop(columns=["loss"]).rename(columns={"smooth loss": "loss"})
    test_mask = frame.N == frame.N.max()
    return frame[~test_mask], frame[test_mask]


def lr_bsz_human_laws(train: pd.DataFrame | None = None, test: pd.DataFrame | None = None) -> dict[str, float]:
    """Human-law stand-ins re-fitted on *this* split (same objective, same metric) — the benchmark's own
    human-law formula for this task could not be obtained here, and its −0.076 is on another split:

    - ``chinchilla``: Hoffmann et al.'s L(N, D), blind to the learning rate and batch size;
    - ``steplaw``: Chinchilla + bowls around Li et al.'s Step Law optima, exponents as published.
    """
    if train is None:
        train, test = _lr_bsz_split()
    out = {"chinchilla": fit_and_score("chinchilla", train, test, "lsq")[0]}
    law = StepLawExponentsLaw()
    tr, te = (load_law_inputs(f, law) for f in (train, test))
    fit = ScalingLawFit(law=law, loss="lsq", top_k=2).fit(tr).result_
    out["steplaw"] = r2(te.loss, fit.predict(**{k: te.column(law.column_of(k)) for k in law.inputs}))
    return out


def task_lr_bsz() -> dict:
    """Li et al. 2025's learning-rate × batch-size sweep (smooth loss ≤ 4, the loader's filter).

    The loader's test split (largest D *and* largest N) is empty in this earlier release of the file
    (1,730 runs, not the benchmark's 2,702), so the test split here is the largest model (N = 1.07e9,
    151 runs) — extrapolation in N, as the benchmark intends; the published baseline was measured on
    its own split, so the human-law stand-ins are re-fitted and scored on this one (``human_r2``).
    """
    train, test = _lr_bsz_split()
    score, params = fit_and_score("hyperparams", train, test, "lsq", top_k=2)
    return {"r2": score, "chosen": "hyperparams/lsq", "selection_r2": {}, "params": params,
            "human_r2": lr_bsz_human_laws(train, test), "n_train": len(train), "n_test": len(test)}


def task_domain_mixture() -> dict:
    """Ye et al. 2024's mixtures: per model size, fit on 20 train mixtures, test on 6 eval mixtures.

    R² as the benchmark's evaluator computes it: per model size on the mean loss over the 5 domains of
    each test mixture, averaged over the model sizes (1B has no runs). ``r2_all_domains`` is R² over
    all 5 domain losses of the test mixtures instead.
    """
    data = json.loads((DATA / "domain_mixture.json").read_text())
    law = get_law("mixture")
    per_size, per_size_all = {}, {}
    for size, runs in data.items():
        if not runs.get("train") or not runs.get("eval"):
            continue
        P, Y = (np.array([p[k] for p in runs["train"]]) for k in ("proportions", "loss"))
        Pt, Yt = (np.array([p[k] for p in runs["eval"]]) for k in ("proportions", "loss"))
        pred = np.empty_like(Yt)
        for i in range(Y.shape[1]):
            frame = pd.DataFrame({f"r{j + 1}": P[:, j] for j in range(P.shape[1])})
            frame["loss"] = Y[:, i]
            fit = ScalingLawFit(law=law, loss="lsq", top_k=3).fit(frame).result_
            pred[:, i] = fit.predict(**{f"r{j + 1}": Pt[:, j] for j in range(P.shape[1])})
        per_size[size] = r2(Yt.mean(axis=1), pred.mean(axis=1))
        per_size_all[size] = r2(Yt.ravel(), pred.ravel())
    return {"r2": float(np.mean(list(per_size.values()))), "chosen": "mixture/lsq", "selection_r2": {},
            "r2_per_size": per_size, "r2_all_domains": float(np.mean(list(per_size_all.values()))),
            "n_train": 20 * len(per_size), "n_test": 6 * len(per_size)}


TASKS = {"data_constrained": task_data_constrained, "moe": task_moe, "vocab": task_vocab,
         "lr_bsz": task_lr_bsz, "domain_mixture": task_domain_mixture}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--tasks", default=",".join(TASKS), help="comma-separated tasks")
    args = ap.parse_args()
    results = {}
    for name in args.tasks.split(","):
        start = time.perf_counter()
        res = TASKS[name]()
        res |= {"baseline_r2": BASELINES[name], "seconds": time.perf_counter() - start,
                "at_least_baseline": res["r2"] >= BASELINES[name]}
        results[name] = res
        if not args.json:
            print(f"{name:<17} R² {res['r2']:7.4f}   human law {BASELINES[name]:7.3f}   "
                  f"{'≥' if res['at_least_baseline'] else '<'}   {res['chosen']:<32} {res['seconds']:6.1f} s",
                  flush=True)
            for law, value in res.get("human_r2", {}).items():
                print(f"{'':<17} human law re-fitted on this split ({law}): R² {value:7.4f}", flush=True)
    if args.json:
        print(json.dumps(results, default=float, indent=1))


if __name__ == "__main__":
    main()
