"""The notebook view of a fit (``FitResult._repr_html_``) and the tables the report page shares with it.

Every value from the data (law names, sources, warnings) goes through :func:`scalinglab.results.esc`.
It lives below the report (report imports fitting, never the reverse).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from scalinglab.results import esc, num

if TYPE_CHECKING:  # pragma: no cover
    from scalinglab.fitting.result import FitResult

#: Budgets (FLOPs) of the allocation table (the same as the text report's).
DEFAULT_BUDGETS = (1e21, 1e22, 1e23, 5.88e23, 1e24, 1e25)


# -- tables shared by the page and the notebook view ------------------------------------------------------
def params_table(result: FitResult, level: float = 0.95) -> str:
    """Parameters, their intervals and descriptions; then the compute-optimal exponents a and b."""
    ci = result.ci(level)
    desc = {p.name: p.description for p in result.law.parameters}
    head = "<tr><th>parameter</th><th>value</th>" + (f"<th>{100 * level:.0f}% interval</th>" if ci else "") \
        + "<th>meaning</th></tr>"
    rows = []
    for k, v in result.params.items():
        interval = f"<td>[{num(ci[k][0], '.5g')}, {num(ci[k][1], '.5g')}]</td>" if ci else ""
        rows.append(f"<tr><td><code>{esc(k)}</code></td><td class='n'>{num(v, '.6g')}</td>{interval}"
                    f"<td>{esc(desc.get(k, ''))}</td></tr>")
    ex = result.optimal_exponents
    if ex:
        for key, what in (("a", "N_opt ∝ C^a"), ("b", "D_opt ∝ C^b")):
            interval = f"<td>[{num(ci[key][0], '.4f')}, {num(ci[key][1], '.4f')}]</td>" if ci else ""
            rows.append(f"<tr class='derived'><td><code>{key}</code></td><td class='n'>{num(ex[key], '.4f')}</td>"
                        f"{interval}<td>{esc(what)} (compute-optimal exponent)</td></tr>")
    return f"<table class='params'><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def optimal_table(result: FitResult, budgets: Sequence[float], level: float = 0.95) -> str:
    """Compute-optimal N, D, tokens per parameter and loss per budget, with bootstrap intervals."""
    sol = result.optimal(np.asarray(budgets, dtype=float), level)
    has_ci = "N_interval" in sol

    def cell(key: str, i: int, fmt: str) -> str:
        text = num(sol[key][i], fmt)
        if has_ci and f"{key}_interval" in sol:
            lo, hi = sol[f"{key}_interval"][0][i], sol[f"{key}_interval"][1][i]
            text += f"<span class='ci'>[{num(lo, fmt)}, {num(hi, fmt)}]</span>"
        return f"<td class='n'>{text}</td>"

    rows = "".join(
        f"<tr><td class='n'>{num(c, '.3g')}</td>{cell('N', i, '.3g')}{cell('D', i, '.3g')}"
        f"<td class='n'>{num(sol['tokens_per_param'][i], '.1f')}</td>{cell('loss', i, '.4f')}</tr>"
        for i, c in enumerate(budgets))
    note = f" (brackets: {100 * level:.0f}% bootstrap intervals)" if has_ci else ""
    return (f"<table class='optimal'><caption>Compute-optimal allocation under C = 6ND{esc(note)}</caption>"
            "<thead><tr><th>C (FLOPs)</th><th>N<sub>opt</sub></th><th>D<sub>opt</sub></th><th>D/N</th>"
            f"<th>loss</th></tr></thead><tbody>{rows}</tbody></table>")


def fit_summary(result: FitResult) -> str:
    """Objective, convergence and warnings as a short list."""
    items = []
    if result.n_points is not None:
        items.append(f"{result.n_points} runs from <code>{esc(result.source or '?')}</code>")
    if result.objective is not None:
        spec = result.objective_spec or {}
        items.append(f"objective {num(result.objective, '.6g')} ({esc(spec.get('description', spec.get('name', '')))})")
    if result.convergence:
        c = result.convergence
        ok = "converged" if result.converged else "<b class='bad'>did not converge</b>"
        items.append(f"{ok}: {esc(c.get('n_agree'))} of {esc(c.get('n_starts'))} polished starts reached the "
                     f"optimum; |grad| = {num(c.get('grad_norm'), '.2g')}")
    if result.draws is not None:
        seed = f", seed {esc(result.bootstrap_seed)}" if result.bootstrap_seed is not None else ""
        items.append(f"{result.draws.shape[0]} bootstrap resamples{seed}")
    warn = "".join(f"<li class='warn'>{esc(w)}</li>" for w in result.warnings)
    return f"<ul class='summary'>{''.join(f'<li>{i}</li>' for i in items)}{warn}</ul>"


# -- notebook view ------------------------------------------------------------------------------------------
NOTEBOOK_CSS = """
.scalinglab-fit{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;line-height:1.4}
.scalinglab-fit table{border-collapse:collapse;margin:6px 0 10px}
.scalinglab-fit th,.scalinglab-fit td{padding:3px 10px;border-bottom:1px solid #e5e7eb;text-align:left}
.scalinglab-fit td.n{text-align:right;font-variant-numeric:tabular-nums}
.scalinglab-fit .ci{color:#6b7280;font-size:11px;margin-left:6px}
.scalinglab-fit caption{text-align:left;font-weight:600;padding:4px 0}
.scalinglab-fit .warn{color:#b45309}.scalinglab-fit .bad{color:#b91c1c}
.scalinglab-fit tr.derived td{background:#f8fafc}
"""


def render_fit_html(result: FitResult, budgets: Sequence[float] = DEFAULT_BUDGETS) -> str:
    """The notebook view of a FitResult: law, parameters with intervals, allocation table, warnings.

    No script and no figures, so it renders anywhere a notebook shows HTML (and stays fast).
    """
    title = f"<b>{esc(result.law.title or result.law.name)}</b> &nbsp;<code>{esc(result.law.formula)}</code>"
    parts = [f"<div class='scalinglab-fit'><style>{NOTEBOOK_CSS}</style><div>{title}</div>",
             fit_summary(result), params_table(result)]
    if result.law.optimal(result.params, np.array([1e21])) is not None:
        parts.append(optimal_table(result, budgets))
    parts.append("</div>")
    return "".join(parts)
