"""HTML rendering of the self-contained report page (the notebook view of a fit is scalinglab.fitting.html).

The page opens from disk with no network: figures are inline (base64 SVG images, and the interactive
figure as inline SVG), CSS and the small script are inline. A Content-Security-Policy allows no fetches
at all and only the page's own script, pinned by its SHA-256, so even a value that escaped escaping
could not run. Every value from the data (model names, column names, file names, warnings) goes through
:func:`html.escape`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from scalinglab.data.runs import RunsTable
from scalinglab.fitting.html import NOTEBOOK_CSS, fit_summary, optimal_table, params_table, render_fit_html
from scalinglab.fitting.result import DEFAULT_BUDGETS, FitResult
from scalinglab.results import esc, num

__all__ = ["MAX_TABLE_ROWS", "NOTEBOOK_CSS", "esc", "fit_summary", "num", "optimal_table", "params_table",
           "render_fit_html", "render_page"]

#: Rows of the data table shown in the page (the rest are counted, not shown).
MAX_TABLE_ROWS = 5000


# -- the report page ----------------------------------------------------------------------------------------
PAGE_CSS = """
:root{--ink:#111827;--muted:#6b7280;--line:#e5e7eb;--accent:#1d4ed8;--bg:#f6f7f9}
*{box-sizing:border-box}[hidden],.hidden{display:none!important}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,'Segoe UI',
Roboto,sans-serif}
header{background:#0f172a;color:#f8fafc;padding:18px 28px}
header h1{margin:0 0 4px;font-size:21px}header p{margin:0;color:#cbd5e1}
header code{color:#e2e8f0}
main{max-width:1280px;margin:0 auto;padding:18px 24px 40px}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:16px 0}
h2{font-size:16px;margin:0 0 10px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin:6px 0 4px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:10px 14px}
.card .k{color:var(--muted);font-size:12px}.card .v{font-size:20px;font-weight:650}
.card .ci{display:block;color:var(--muted);font-size:12px}
.two{display:grid;grid-template-columns:minmax(0,5fr) minmax(0,6fr);gap:22px}.two>div{overflow-x:auto}
table.optimal .ci{display:block;margin:0}
@media (max-width:900px){.two{grid-template-columns:1fr}}
table{border-collapse:collapse;width:100%}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;background:#f9fafb}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ci{color:var(--muted);font-size:11.5px;margin-left:6px;white-space:nowrap}
caption{text-align:left;font-weight:600;padding:2px 0 6px}
tr.derived td{background:#f8fafc}
.summary{margin:4px 0;padding-left:18px}.warn{color:#b45309}.bad{color:#b91c1c}
.figs{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:10px;padding:10px}
figure img{width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:12.5px;padding:4px 4px 0}
figcaption b{color:var(--ink)}
.interactive{position:relative}
.controls{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin-bottom:8px;font-size:12.5px}
.controls .sep{margin-left:14px}
.controls button{border:1px solid var(--line);background:#fff;border-radius:999px;padding:3px 10px;
cursor:pointer;font:inherit;color:var(--muted)}
.controls button.on{color:var(--ink);border-color:#94a3b8;background:#f1f5f9}
.controls button i{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px;
vertical-align:-1px}
.controls button:not(.on) i{opacity:.25}
svg.ifig{width:100%;height:auto;display:block;font-family:inherit}
svg.ifig .tick{font-size:11px;fill:#4b5563}svg.ifig .label{font-size:12.5px;fill:#111827}
svg.ifig .pt{cursor:pointer}svg.ifig circle.pt:hover{stroke:#111;stroke-width:1.5}
.tooltip{position:absolute;pointer-events:none;background:#0f172a;color:#f8fafc;font-size:12px;
padding:6px 9px;border-radius:6px;white-space:pre;max-width:420px;overflow:hidden;z-index:5;
box-shadow:0 2px 8px rgba(0,0,0,.25)}
pre{background:#0f172a;color:#e2e8f0;padding:12px 14px;border-radius:8px;overflow:auto;font-size:12px}
.tablebar{display:flex;gap:12px;align-items:center;margin-bottom:8px}
.tablebar input{padding:5px 9px;border:1px solid var(--line);border-radius:6px;min-width:260px;font:inherit}
.scroll{max-height:480px;overflow:auto;border:1px solid var(--line);border-radius:8px}
#runs-table th{position:sticky;top:0;cursor:pointer;user-select:none}
#runs-table th[data-dir=asc]::after{content:' ▲'}#runs-table th[data-dir=desc]::after{content:' ▼'}
#runs-table td.model{max-width:340px;overflow-wrap:anywhere}
.pos{color:#b45309}.neg{color:#1d4ed8}
footer{color:var(--muted);font-size:12px;text-align:center;padding:10px}
"""

#: The page's only script: tooltips and toggles of the interactive figure, filter and sort of the table.
#: It writes untrusted strings with textContent only. CSP pins it by hash.
PAGE_JS = """
(function () {
  "use strict";
  var root = document.getElementById("interactive");
  if (root) {
    var tip = root.querySelector(".tooltip");
    root.addEventListener("mousemove", function (e) {
      var t = e.target.closest ? e.target.closest("[data-tip]") : null;
      if (!t) { tip.hidden = true; return; }
      tip.textContent = t.getAttribute("data-tip");
      tip.hidden = false;
      var r = root.getBoundingClientRect();
      var x = e.clientX - r.left + 14, y = e.clientY - r.top + 14;
      if (x + tip.offsetWidth > r.width) { x = e.clientX - r.left - tip.offsetWidth - 10; }
      tip.style.left = x + "px"; tip.style.top = y + "px";
    });
    root.addEventListener("mouseleave", function () { tip.hidden = true; });
    root.querySelectorAll("button.toggle").forEach(function (b) {
      b.addEventListener("click", function () {
        var on = b.classList.toggle("on");
        b.setAttribute("aria-pressed", on ? "true" : "false");
        root.querySelectorAll('svg [data-series="' + b.dataset.series + '"]').forEach(function (g) {
          g.classList.toggle("hidden", !on);
        });
      });
    });
    root.querySelectorAll("button.axis").forEach(function (b) {
      b.addEventListener("click", function () {
        root.querySelectorAll("button.axis").forEach(function (o) { o.classList.toggle("on", o === b); });
        root.querySelectorAll(".panel").forEach(function (p) {
          p.classList.toggle("hidden", p.dataset.panel !== b.dataset.axis);
        });
      });
    });
  }
  var table = document.getElementById("runs-table");
  if (table) {
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var filter = document.getElementById("runs-filter"), count = document.getElementById("runs-count");
    filter.addEventListener("input", function () {
      var q = filter.value.toLowerCase(), n = 0;
      rows.forEach(function (r) {
        var show = r.textContent.toLowerCase().indexOf(q) >= 0;
        r.hidden = !show; if (show) { n += 1; }
      });
      count.textContent = n + " of " + rows.length + " rows";
    });
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, j) {
      th.addEventListener("click", function () {
        var dir = th.dataset.dir === "asc" ? "desc" : "asc";
        Array.prototype.forEach.call(heads, function (o) { delete o.dataset.dir; });
        th.dataset.dir = dir;
        var numeric = th.dataset.type === "num";
        rows.sort(function (a, b) {
          var x = a.cells[j].getAttribute("data-v") || a.cells[j].textContent;
          var y = b.cells[j].getAttribute("data-v") || b.cells[j].textContent;
          var c = numeric ? (parseFloat(x) - parseFloat(y)) || 0 : x.localeCompare(y);
          return dir === "asc" ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  document.body.setAttribute("data-ready", "1");
})();
"""


def csp(script: str = PAGE_JS) -> str:
    """Content-Security-Policy: nothing fetched, inline styles, data: images, only this script."""
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return (f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
            "base-uri 'none'; form-action 'none'")


def runs_table(runs: RunsTable, result: FitResult) -> str:
    """The data table with the fit's prediction and residual per run (filterable, sortable)."""
    frame = runs.frame
    cols = [c for c in ("model", "N", "D", "C", "loss") if c in frame] + \
        [c for c in frame.columns if c not in ("model", "N", "D", "C", "loss", "row")]
    try:
        pred = result.predict_runs(runs)
    except Exception:  # noqa: BLE001 - a law whose inputs the table lacks: no prediction column
        pred = None
    head = "".join(f"<th data-type='{'text' if c == 'model' else 'num'}'>{esc(c)}</th>" for c in ["row"] + cols)
    if pred is not None:
        head += "<th data-type='num'>fit</th><th data-type='num'>residual %</th>"
    body = []
    records = frame.to_dict("records")
    for i, rec in enumerate(records[:MAX_TABLE_ROWS]):
        cells = [f"<td class='n' data-v='{esc(rec['row'])}'>{esc(rec['row'])}</td>"]
        for c in cols:
            v = rec[c]
            if c == "model" or not isinstance(v, (int, float, np.number)):
                cells.append(f"<td class='model'>{esc(v)}</td>")
            else:
                cells.append(f"<td class='n' data-v='{esc(repr(float(v)))}'>{num(v)}</td>")
        if pred is not None:
            r = 100 * (pred[i] / rec["loss"] - 1)
            cls = "pos" if r > 0 else "neg"
            cells.append(f"<td class='n' data-v='{esc(repr(float(pred[i])))}'>{num(pred[i], '.4f')}</td>"
                         f"<td class='n {cls}' data-v='{esc(repr(float(r)))}'>{num(r, '+.2f')}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    more = len(records) - MAX_TABLE_ROWS
    note = f"<p class='muted'>{more} more rows not shown.</p>" if more > 0 else ""
    shown = min(len(records), MAX_TABLE_ROWS)
    return (f"<div class='tablebar'><input id='runs-filter' type='search' placeholder='filter rows (model, numbers)…'"
            f" aria-label='filter rows'><span id='runs-count'>{shown} of {shown} rows</span></div>"
            f"<div class='scroll'><table id='runs-table'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>{note}")


def figure_block(name: str, title: str, caption: str, svg: bytes, mime: str = "image/svg+xml") -> str:
    data = base64.b64encode(svg).decode()
    return (f"<figure id='fig-{esc(name)}'><img src='data:{mime};base64,{data}' alt='{esc(title)}'>"
            f"<figcaption><b>{esc(title)}.</b> {esc(caption)}</figcaption></figure>")


def cards(result: FitResult, target: float | None) -> str:
    """Headline numbers: exponents, irreducible loss, and the prediction at the target budget."""
    ci = result.ci() or {}
    out = []

    def card(key: str, value: str, interval: str = "") -> None:
        out.append(f"<div class='card'><div class='k'>{key}</div><div class='v'>{value}</div>"
                   + (f"<span class='ci'>{interval}</span>" if interval else "") + "</div>")

    def iv(name: str, fmt: str) -> str:
        return f"95%: [{num(ci[name][0], fmt)}, {num(ci[name][1], fmt)}]" if name in ci else ""

    ex = result.optimal_exponents
    if ex:
        card("N<sub>opt</sub> ∝ C<sup>a</sup>", f"a = {num(ex['a'], '.3f')}", iv("a", ".3f"))
        card("D<sub>opt</sub> ∝ C<sup>b</sup>", f"b = {num(ex['b'], '.3f')}", iv("b", ".3f"))
    if "E" in result.params:
        card("irreducible loss E", num(result.params["E"], ".4f"), iv("E", ".4f"))
    if target and ex:
        sol = result.optimal(np.array([target]))
        ivl = ""
        if "loss_interval" in sol:
            ivl = f"95%: [{num(sol['loss_interval'][0][0], '.4f')}, {num(sol['loss_interval'][1][0], '.4f')}]"
        card(f"loss at {num(target, '.3g')} FLOPs", num(sol["loss"][0], ".4f"), ivl)
        for key, what in (("N", "parameters"), ("D", "tokens")):
            ivl = ""
            if f"{key}_interval" in sol:
                ivl = f"95%: [{num(sol[f'{key}_interval'][0][0], '.3g')}, {num(sol[f'{key}_interval'][1][0], '.3g')}]"
            card(f"{key}<sub>opt</sub> there ({what})", num(sol[key][0], ".3g"), ivl)
    return f"<div class='cards'>{''.join(out)}</div>"


def curves_section(ev: dict[str, Any], figure: tuple[str, str, str, bytes],
                   grid: Sequence[dict[str, Any]] | None = None, source: str = "") -> str:
    """The learning-curves section: the guide's evaluation (train models, target, ARE, seed floor,
    fitted law), its figure and, optionally, the (m, p) ARE heatmap as a table."""
    tg, tr = ev["target"], ev["train"]
    are = ev["are_percent"]
    items = [f"curves from <code>{esc(source)}</code>",
             f"law fitted on {len(tr['models'])} models ({esc(', '.join(tr['models']))}), "
             f"{esc(tr['n_checkpoints'])} checkpoints past {num(ev['options']['min_tokens'], '.3g')} tokens",
             f"target <code>{esc(tg['model'])}</code> (N = {num(tg['N'], '.3g')}, "
             f"{num(tr['scale_ratio'], '.1f')}× the largest train model): {esc(tg['n_checkpoints'])} checkpoints "
             f"in its last 30 %, D {num(tg['D_range'][0], '.3g')}–{num(tg['D_range'][1], '.3g')}",
             "<b>ARE " + ("n/a" if are is None else f"{num(are, '.2f')} %") + "</b> (mean |L − L̂| / L; the guide "
             "puts the seed-to-seed floor at up to ~4 %)"]
    if ev.get("seeds"):
        items.append(f"seed spread of the target: {num(ev['seeds']['seed_are_percent'], '.2f')} % ARE between its "
                     f"{esc(ev['seeds']['n_seeds'])} seeds")
    params = ", ".join(f"{esc(k)} = {num(v, '.4g')}" for k, v in ev["params"].items())
    items.append(f"fitted ({esc(ev['options']['method'])}): {params}")
    body = f"<ul class='summary'>{''.join(f'<li>{i}</li>' for i in items)}</ul>"
    body += f"<div class='figs'>{figure_block(*figure)}</div>"
    if grid:
        fractions = sorted({r["train_fraction"] for r in grid})
        labels = list(dict.fromkeys(r["label"] for r in grid))
        cell = {(r["label"], r["train_fraction"]): r["are_percent"] for r in grid}
        head = "<th>train models (target/largest)</th>" + "".join(f"<th>p = {num(p, 'g')}</th>" for p in fractions)
        rows = "".join(f"<tr><td>{esc(lab)}</td>"
                       + "".join(f"<td class='n'>{num(cell.get((lab, p)), '.2f')}</td>" for p in fractions)
                       + "</tr>" for lab in labels)
        body += ("<table class='grid'><caption>ARE (%) predicting the target from the m smallest models, "
                 f"train checkpoints below p × the longest train model's tokens</caption><thead><tr>{head}</tr>"
                 f"</thead><tbody>{rows}</tbody></table>")
    return f"<section id='learning-curves'><h2>Learning curves</h2>{body}</section>"


def post_section(fit: Any, figure: tuple[str, str, str, bytes] | None = None) -> str:
    """The post-training section: every stage's held-out metrics, the SFT laws' leave-largest-out checks
    (a :class:`scalinglab.planning.post_training.PostFitResult`) and, optionally, its figure."""
    m, big = fit.multiplicative, fit.largest
    cols = [("base run", "base_run"), ("N", "N"), ("stage", "stage"), ("from", "from"), ("examples", "examples"),
            ("steps", "steps"), ("accuracy", "accuracy"), ("answer loss", "eval_loss"),
            ("DPO reward acc.", "reward_accuracy"), ("GRPO reward", "reward"), ("promoted", "promoted"),
            ("reason", "reason")]
    head = "".join(f"<th>{esc(h)}</th>" for h, _ in cols)

    def cell(v: Any) -> str:
        if v is None:
            return "<td></td>"
        if isinstance(v, float):
            return f"<td class='n'>{num(v, '.4g')}</td>"
        return f"<td>{esc(v)}</td>"

    rows = "".join("<tr>" + "".join(cell(r.get(k)) for _, k in cols) + "</tr>" for r in fit.stages)
    table = (f"<table class='grid'><caption>Stages per base model (held-out exact match and answer loss)"
             f"</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    params = ", ".join(f"{esc(k)} = {num(v, '.4g')}" for k, v in m["params"].items())
    items = [f"post-training runs from <code>{esc(fit.source)}</code>; response <code>{esc(fit.metric)}</code>",
             f"<code>sft-multiplicative</code> (Zhang et al. 2024) fitted on {esc(m['n_points'])} points of the "
             f"{esc(m['n_bases'])} smaller base models: {params}",
             f"<b>predicting {esc(big['base_run'])} (N = {num(big['N'], '.3g')}): mean absolute relative error "
             f"{num(100 * m['mare'], '.2f')} %</b> over {esc(len(m['predictions']))} fine-tuning data sizes"]
    g = m.get("gain")
    if g:
        items.append(f"gain of SFT at D = {num(g['D'], '.0f')}: measured {num(g['measured'], '.4f')}, predicted "
                     f"{num(g['predicted'], '.4f')}")
    body = f"<ul class='summary'>{''.join(f'<li>{i}</li>' for i in items)}</ul>"
    if figure is not None:
        body += f"<div class='figs'>{figure_block(*figure)}</div>"
    body += table + fit._repr_html_()
    return f"<section id='post-training'><h2>Post-training</h2>{body}</section>"


def render_page(runs: RunsTable, result: FitResult, *, figures: Sequence[tuple[str, str, str, bytes]] = (),
                interactive: str = "", target: float | None = None,
                budgets: Sequence[float] = DEFAULT_BUDGETS, title: str = "Scaling-law report",
                sections: Sequence[str] = ()) -> str:
    """The whole self-contained page.

    ``figures``: (name, title, caption, SVG bytes) per static figure; ``interactive``: the block from
    :func:`scalinglab.report.interactive.interactive_figure`; ``sections``: extra, already-escaped
    ``<section>`` blocks (e.g. :func:`curves_section`) placed after the figures.
    """
    law = result.law
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    has_opt = law.optimal(result.params, np.array([1e21])) is not None
    extra = list(sections)
    sections = [f"<section><h2>Summary</h2>{cards(result, target)}{fit_summary(result)}</section>"]
    tables = f"<div>{params_table(result)}</div>"
    if has_opt:
        budget_list = sorted(set(budgets) | ({float(target)} if target else set()))
        tables += f"<div>{optimal_table(result, budget_list)}</div>"
    sections.append(f"<section><h2>Fitted law and intervals</h2><div class='two'>{tables}</div></section>")
    if interactive:
        sections.append("<section><h2>Explore the runs</h2><p class='muted'>Hover a point for its run; switch "
                        f"the x axis; show or hide series.</p>{interactive}</section>")
    if figures:
        blocks = "".join(figure_block(*f) for f in figures)
        sections.append(f"<section><h2>Figures</h2><div class='figs'>{blocks}</div></section>")
    sections.extend(extra)
    sections.append(f"<section><h2>Fit report</h2><pre>{esc(result.report(tuple(budgets)))}</pre></section>")
    sections.append(f"<section><h2>Data ({len(runs)} runs)</h2>{runs_table(runs, result)}</section>")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{csp()}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)} — {esc(runs.source)}</title><style>{PAGE_CSS}</style></head><body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(law.title or law.name)} &nbsp;<code>{esc(law.formula)}</code>"
        f" &nbsp;·&nbsp; {len(runs)} runs from <code>{esc(runs.source)}</code></p></header>"
        f"<main>{''.join(sections)}</main>"
        f"<footer>scalinglab report · generated {esc(when)} · self-contained: no network needed</footer>"
        f"<script>{PAGE_JS}</script></body></html>\n"
    )
