"""The report's interactive figure: hand-written inline SVG (no JS library), hover tooltips and toggles.

Loss against compute or against model size (a switch), log-log: every run as a point whose tooltip
gives its name and numbers, the IsoFLOP profiles with the fitted law along each, the compute-optimal
frontier with its bootstrap band, and the target budget. Series are shown or hidden with buttons.

Everything from the data reaches the page through :func:`html.escape` (text and attribute values); the
page's script reads tooltips with ``getAttribute`` and writes them with ``textContent``, never as HTML.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from scalinglab.data.runs import RunsTable
from scalinglab.fitting.result import FitResult
from scalinglab.report.figures import compute_range, has_nd, profile_labels
from scalinglab.results import esc

W, H = 980, 400
LEFT, RIGHT, TOP, BOTTOM = 66, 18, 14, 48
#: viridis at 9 stops, for IsoFLOP budgets (interpolated; no matplotlib needed here).
VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"]
GREY, FIT, BAND, TARGET = "#9ca3af", "#1d4ed8", "#bfdbfe", "#b91c1c"
#: Runs drawn at most (a sample beyond this keeps the page light).
MAX_POINTS = 3000


def viridis(t: float) -> str:
    t = min(max(t, 0.0), 1.0) * (len(VIRIDIS) - 1)
    i = min(int(t), len(VIRIDIS) - 2)
    f = t - i
    a = [int(VIRIDIS[i][k:k + 2], 16) for k in (1, 3, 5)]
    b = [int(VIRIDIS[i + 1][k:k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(x + f * (y - x)):02x}" for x, y in zip(a, b, strict=True))


class LogAxes:
    """Maps data to SVG coordinates on log-log axes and draws the frame, ticks and labels."""

    def __init__(self, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
        self.x0, self.x1 = math.log10(xlim[0]), math.log10(xlim[1])
        self.y0, self.y1 = math.log10(ylim[0]), math.log10(ylim[1])

    def px(self, x: np.ndarray | float) -> np.ndarray:
        return LEFT + (np.log10(x) - self.x0) / (self.x1 - self.x0) * (W - LEFT - RIGHT)

    def py(self, y: np.ndarray | float) -> np.ndarray:
        return H - BOTTOM - (np.log10(y) - self.y0) / (self.y1 - self.y0) * (H - TOP - BOTTOM)

    def frame(self, xlabel: str, ylabel: str) -> str:
        out = [f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{H - TOP - BOTTOM}" '
               'fill="#fff" stroke="#d1d5db"/>']
        for k in range(math.ceil(self.x0), math.floor(self.x1) + 1):
            x = float(self.px(10.0 ** k))
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{H - BOTTOM}" stroke="#eef0f3"/>')
            out.append(f'<text x="{x:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle" class="tick">'
                       f'10<tspan dy="-6" font-size="9">{k}</tspan></text>')
        for v in loss_ticks(10 ** self.y0, 10 ** self.y1):
            y = float(self.py(v))
            out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eef0f3"/>')
            out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{v:g}</text>')
        out.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 8}" text-anchor="middle" class="label">'
                   f'{esc(xlabel)}</text>')
        out.append(f'<text transform="translate(16 {(TOP + H - BOTTOM) / 2}) rotate(-90)" text-anchor="middle" '
                   f'class="label">{esc(ylabel)}</text>')
        return "".join(out)

    def polyline(self, x: np.ndarray, y: np.ndarray) -> str:
        ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
        return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(self.px(x[ok]), self.py(y[ok]), strict=True))

    def band(self, x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> str:
        return self.polyline(np.concatenate([x, x[::-1]]), np.concatenate([hi, lo[::-1]]))


def loss_ticks(lo: float, hi: float) -> list[float]:
    """Round loss values for a log axis between lo and hi (at least two)."""
    for subs in ((1, 2, 5), (1, 1.5, 2, 3, 5, 7), (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8),
                 tuple(np.round(np.arange(1, 10, 0.1), 1))):
        ticks = [s * 10.0 ** k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
                 for s in subs if lo <= s * 10.0 ** k <= hi]
        if len(ticks) >= 4:
            return [float(f"{t:.6g}") for t in ticks]
    return [lo, hi]


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _tip(row: dict, pred: float) -> str:
    lines = [str(row["model"])]
    for key, name in (("N", "N"), ("D", "D"), ("C", "C")):
        if key in row and row[key] == row[key]:
            lines.append(f"{name} = {_fmt(row[key])}")
    lines.append(f"loss = {row['loss']:.4f}")
    if np.isfinite(pred):
        lines.append(f"fit = {pred:.4f} ({100 * (pred / row['loss'] - 1):+.2f}%)")
    lines.append(f"row {row.get('row', '')}")
    return "\n".join(lines)


def panel(runs: RunsTable, result: FitResult, xkey: str, target: float | None) -> str:
    """One interactive panel (x = C or N) as an ``<svg>`` element string."""
    frame = runs.frame
    x = runs.column(xkey)
    L = runs.loss
    pred = result.predict_runs(runs) if set(result.law.inputs) <= set(frame.columns) else np.full(len(L), np.nan)
    labels = profile_labels(runs.C) if "C" in frame else np.full(len(L), -1)
    n_prof = int(labels.max()) + 1
    nd = has_nd(result)
    c_lo, c_hi = compute_range(runs, target)
    c_grid = np.geomspace(c_lo, c_hi, 70)
    fr = result.frontier(c_grid) if "C" in frame else None
    fr_x = None
    if fr is not None:
        fr_x = c_grid if xkey == "C" else fr.get("N")
    xs = [x]
    ys = [L]
    if fr_x is not None:
        xs.append(fr_x)
        ys.append(fr["loss"])
    allx = np.concatenate(xs)
    ally = np.concatenate(ys)
    ok = np.isfinite(allx) & np.isfinite(ally) & (allx > 0) & (ally > 0)
    xlim = (float(allx[ok].min()) / 1.5, float(allx[ok].max()) * 1.5)
    ylim = (float(ally[ok].min()) / 1.04, float(ally[ok].max()) * 1.04)
    ax = LogAxes(xlim, ylim)
    xlabel = {"C": "training compute C (FLOPs)", "N": "parameters N"}[xkey]
    parts = [f'<svg class="ifig" viewBox="0 0 {W} {H}" role="img" data-x="{xkey}" '
             f'aria-label="loss against {esc(xlabel)}">', ax.frame(xlabel, "loss (nats/token)")]
    parts.append(f'<clipPath id="clip-{xkey}"><rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" '
                 f'height="{H - TOP - BOTTOM}"/></clipPath><g clip-path="url(#clip-{xkey})">')
    if fr is not None and fr_x is not None:
        if fr["lo"] is not None and xkey == "C":
            parts.append(f'<polygon data-series="band" points="{ax.band(c_grid, fr["lo"], fr["hi"])}" '
                         f'fill="{BAND}" opacity="0.8"/>')
        parts.append(f'<polyline data-series="frontier" points="{ax.polyline(fr_x, fr["loss"])}" fill="none" '
                     f'stroke="{FIT}" stroke-width="2.5"/>')
    if nd and n_prof and "C" in frame:
        curves = []
        for g in range(n_prof):
            m = labels == g
            c = float(np.exp(np.mean(np.log(runs.C[m]))))
            n = np.geomspace(runs.N[m].min() / 1.5, runs.N[m].max() * 1.5, 50)
            yv = result.predict(N=n, D=c / (6 * n))
            xv = n if xkey == "N" else np.full_like(n, c)
            if xkey == "N":
                curves.append(f'<polyline points="{ax.polyline(xv, yv)}" fill="none" '
                              f'stroke="{viridis(g / max(n_prof - 1, 1))}" stroke-width="1.4" opacity="0.9"/>')
        if curves:
            parts.append('<g data-series="profiles">' + "".join(curves) + "</g>")
    idx = np.arange(len(L))
    if len(idx) > MAX_POINTS:
        idx = np.sort(np.random.default_rng(0).choice(idx, MAX_POINTS, replace=False))
    records = frame.to_dict("records")
    px, py = ax.px(np.where(x > 0, x, np.nan)), ax.py(np.where(L > 0, L, np.nan))
    pts = []
    for i in idx:
        if not (np.isfinite(px[i]) and np.isfinite(py[i])):
            continue
        color = viridis(labels[i] / max(n_prof - 1, 1)) if labels[i] >= 0 else GREY
        pts.append(f'<circle class="pt" cx="{px[i]:.1f}" cy="{py[i]:.1f}" r="3.6" fill="{color}" '
                   f'data-tip="{esc(_tip(records[i], float(pred[i])))}"/>')
    parts.append('<g data-series="runs">' + "".join(pts) + "</g>")
    if target and fr is not None:
        t = result.frontier(np.array([float(target)]))
        tx = float(target) if xkey == "C" else (float(t["N"][0]) if "N" in t else None)
        if tx is not None:
            tip = f"target C = {target:.3g} FLOPs\npredicted loss {float(t['loss'][0]):.4f}"
            if t["lo"] is not None:
                tip += f" [{float(t['lo'][0]):.4f}, {float(t['hi'][0]):.4f}]"
            if "N" in t:
                tip += f"\nN_opt = {float(t['N'][0]):.4g}\nD_opt = {float(t['D'][0]):.4g}"
            cx, cy = float(ax.px(tx)), float(ax.py(float(t["loss"][0])))
            parts.append(f'<g data-series="target"><path class="pt" d="{star(cx, cy, 9)}" fill="{TARGET}" '
                         f'stroke="#fff" data-tip="{esc(tip)}"/></g>')
    parts.append("</g></svg>")
    return "".join(parts)


def star(cx: float, cy: float, r: float) -> str:
    pts = []
    for k in range(10):
        rad = r if k % 2 == 0 else r * 0.45
        a = -math.pi / 2 + k * math.pi / 5
        pts.append(f"{cx + rad * math.cos(a):.1f},{cy + rad * math.sin(a):.1f}")
    return "M" + " L".join(pts) + " Z"


def interactive_figure(runs: RunsTable, result: FitResult, target: float | None = None) -> str:
    """The interactive figure block (panels, axis switch, series toggles, tooltip) as an HTML string.

    Empty when the data has neither C nor N to plot against.
    """
    keys: Sequence[str] = [k for k in ("C", "N") if k in runs.frame]
    if not keys:
        return ""
    panels = []
    for i, k in enumerate(keys):
        hidden = "" if i == 0 else " hidden"
        panels.append(f'<div class="panel{hidden}" data-panel="{k}">{panel(runs, result, k, target)}</div>')
    switch = "".join(f'<button type="button" class="axis{" on" if i == 0 else ""}" data-axis="{k}">'
                     f'{"compute" if k == "C" else "parameters"}</button>' for i, k in enumerate(keys))
    series = [("runs", "runs", GREY), ("profiles", "IsoFLOP fits (x = N)", "#21918c"),
              ("frontier", "frontier", FIT), ("band", "95% band", BAND), ("target", "target", TARGET)]
    toggles = "".join(f'<button type="button" class="toggle on" data-series="{s}" aria-pressed="true">'
                      f'<i style="background:{c}"></i>{esc(label)}</button>' for s, label, c in series)
    return (f'<div class="interactive" id="interactive"><div class="controls"><span>x axis:</span>{switch}'
            f'<span class="sep">show:</span>{toggles}</div>{"".join(panels)}'
            '<div class="tooltip" role="tooltip" hidden></div></div>')
