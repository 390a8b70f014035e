"""Specs, presets, sizing and FLOP accounting (no torch needed except for the parameter-count check)."""

from __future__ import annotations

import math

import pytest

from scalinglab.errors import InputError
from scalinglab.sweep.flops import (
    Shape,
    chinchilla_flops_per_token,
    chinchilla_forward_flops_per_sequence,
    flops_6nd,
    kaplan_flops_per_token,
    non_embedding_params,
    size_model,
    total_params,
)
from scalinglab.sweep.presets import PRESETS
from scalinglab.sweep.spec import expand, load_spec, spec_from_dict


def test_flop_formulas_by_hand():
    s = Shape(n_layer=2, d_model=4, n_head=2, vocab_size=10, seq_len=3)
    n = 2 * (4 * 16 + 2 * 4 * 16 + 2 * 4) + 4  # attn 4d^2, mlp 2*d*4d, two LN; final LN
    assert non_embedding_params(s) == n == 404
    assert s.padded_vocab == 64  # embedding rows rounded up to a multiple of 64; the padding is real work
    assert total_params(s) == n + 64 * 4 + 3 * 4
    assert flops_6nd(n, 100) == 6 * 404 * 100
    assert kaplan_flops_per_token(s) == 6 * 404 + 6 * 2 * 3 * 4
    emb, logits = 2 * 3 * 64 * 4, 2 * 3 * 4 * 64
    attn = 2 * 3 * 3 * 4 * 4 + 2 * 3 * 3 * 4 + 3 * 2 * 3 * 3 + 2 * 3 * 3 * 4 + 2 * 3 * 4 * 4
    dense = 2 * 3 * (4 * 16 + 16 * 4)
    assert chinchilla_forward_flops_per_sequence(s) == emb + 2 * (attn + dense) + logits
    assert chinchilla_flops_per_token(s) == pytest.approx(3 * (emb + 2 * (attn + dense) + logits) / 3)


def test_model_param_count_matches_formula():
    pytest.importorskip("torch", reason="needs PyTorch (scalinglab[train])")
    from scalinglab.sweep.model import GPT

    for s in (Shape(1, 16, 1, 64, 8), Shape(3, 48, 3, 100, 16), Shape(2, 64, 4, 50, 4, mlp_ratio=2)):
        m = GPT(s)
        assert m.num_params(non_embedding=True) == non_embedding_params(s)
        assert m.num_params(non_embedding=False) == total_params(s)


def test_size_model_hits_target_and_aspect():
    for target in (3e3, 2.5e4, 2e5, 5e6):
        s = size_model(target, vocab_size=1024, seq_len=128, head_dim=16, aspect_ratio=16)
        assert abs(math.log(non_embedding_params(s) / target)) < 0.35
        assert s.d_model % 16 == 0 and s.n_head == s.d_model // 16
    s = size_model(1.97e5, vocab_size=1024, seq_len=128, head_dim=16, aspect_ratio=16)
    assert (s.n_layer, s.d_model) == (4, 64)


def test_size_model_with_fixed_depth_varies_width_only():
    widths = []
    for target in (2e3, 6e3, 1.4e4, 2.5e4, 5e4, 1e5):
        s = size_model(target, vocab_size=1024, seq_len=128, head_dim=8, n_layer=2)
        assert s.n_layer == 2 and s.d_model % 8 == 0 and s.n_head == s.d_model // 8
        assert abs(math.log(non_embedding_params(s) / target)) < 0.35
        widths.append(s.d_model)
    assert widths == sorted(widths) and len(set(widths)) == len(widths)
    with pytest.raises(Exception, match="n_layer"):
        size_model(1e4, vocab_size=1024, seq_len=128, n_layer=0)


def test_grid_expansion_and_tokens_per_param():
    spec = spec_from_dict({"model": {"seq_len": 32, "head_dim": 16, "aspect_ratio": 16},
                           "train": {"batch_size": 4}, "grid": {"params": [3e3, 2.5e4], "tokens": [1e4, 2e4]}})
    runs = expand(spec, "/data")
    assert len(runs) == 4 and len({r.name for r in runs}) == 4
    assert all(r.tokens % (4 * 32) == 0 and abs(r.tokens - t) <= 64 for r, t in zip(
        sorted(runs, key=lambda r: (r.n_layer, r.tokens)), [1e4, 2e4, 1e4, 2e4], strict=True))
    ratio = expand(spec_from_dict({"train": {"batch_size": 1}, "model": {"seq_len": 8},
                                   "grid": {"params": [2.5e4], "tokens_per_param": 20}}), "/d")[0]
    assert abs(ratio.tokens - 20 * ratio.non_embedding_params) <= 4


def test_isoflop_design_keeps_compute():
    spec = spec_from_dict({"model": {"seq_len": 16, "head_dim": 16}, "train": {"batch_size": 1},
                           "isoflop": {"budgets": [1e13], "sizes": 5, "span": 4.0}})
    runs = expand(spec, "/d")
    assert len(runs) >= 4
    for r in runs:
        assert flops_6nd(r.non_embedding_params, r.tokens) == pytest.approx(1e13, rel=0.01)
    assert len({r.non_embedding_params for r in runs}) == len(runs)


def test_isoflop_preset_design():
    """Chinchilla's Approach 2 design (Hoffmann et al. 2022, Sec. 3.2): per budget, sizes of one fixed depth,
    log-spaced around the predicted optimum so the minimum can be interior, each trained on D = C / 6N."""
    p = PRESETS["isoflop"]
    design = p["isoflop"]
    runs = expand(spec_from_dict(p), "/d")
    assert len(design["budgets"]) >= 3 and design["sizes"] >= 5
    assert {r.n_layer for r in runs} == {p["model"]["layers"]}  # one depth: size varies smoothly
    per = lambda v: v if isinstance(v, list) else [v] * len(design["budgets"])  # noqa: E731
    for C, ratio, span in zip(design["budgets"], per(design["tokens_per_param"]), per(design["span"]),
                              strict=True):
        mine = sorted((r for r in runs if abs(flops_6nd(r.non_embedding_params, r.tokens) / C - 1) < 0.02),
                      key=lambda r: r.non_embedding_params)
        assert len(mine) == design["sizes"] and len({r.d_model for r in mine}) == design["sizes"]
        n = [r.non_embedding_params for r in mine]
        centre = math.sqrt(C / (6 * ratio))
        # the predicted optimum lies inside the sizes, near the middle one, with room either side
        assert n[0] < centre < n[-1] and n[-1] / n[0] >= min(4, span ** 1.5)
        assert abs(math.log(n[len(n) // 2] / centre)) < 0.4
        assert min(r.steps for r in mine) >= 150  # even the largest size takes over a hundred steps
    assert len(runs) == len(design["budgets"]) * design["sizes"]


def test_isoflop_centres_and_spans_per_budget():
    base = {"model": {"seq_len": 16, "head_dim": 16}, "train": {"batch_size": 1}}
    spec = spec_from_dict({**base, "isoflop": {"budgets": [1e13, 4e13], "sizes": 3, "span": [2.0, 4.0],
                                               "tokens_per_param": [20.0, 80.0]}})
    runs = expand(spec, "/d")
    for C, r in ((1e13, 20.0), (4e13, 80.0)):  # both budgets centre on sqrt(C / 6r) = 2.89e5 / 2.89e5
        mid = sorted((x for x in runs if abs(flops_6nd(x.non_embedding_params, x.tokens) / C - 1) < 0.02),
                     key=lambda x: x.non_embedding_params)[1]
        assert mid.non_embedding_params == pytest.approx(math.sqrt(C / (6 * r)), rel=0.35)
    with pytest.raises(InputError, match="isoflop.span must be one number or one per budget"):
        expand(spec_from_dict({**base, "isoflop": {"budgets": [1e13, 4e13], "span": [2.0, 3.0, 4.0]}}), "/d")


def test_presets_are_valid():
    smoke = expand(spec_from_dict(PRESETS["smoke"]), "/d")
    tiny = expand(spec_from_dict(PRESETS["tiny"]), "/d")
    assert len(smoke) == 2 and len(tiny) >= 5
    assert [r.d_model for r in tiny] == [16 * r.n_layer for r in tiny]  # one family, one aspect ratio
    assert len({r.non_embedding_params for r in tiny}) >= 5 and len({r.tokens for r in tiny}) >= 2


def test_spec_files_and_errors(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('name = "x"\n[data]\nvocab_size = 300\n[train]\nbatch_size = 2\n[[runs]]\nlayers = 1\n'
                 'width = 16\ntokens = 1000\nlr = 0.01\n')
    spec = load_spec(p)
    (run,) = expand(spec, "/d")
    assert run.lr == 0.01 and run.vocab_size == 300 and run.n_layer == 1
    pytest.importorskip("yaml", reason="YAML specs need PyYAML")
    y = tmp_path / "s.yaml"
    y.write_text("grid:\n  params: [3000]\n  tokens: [1000]\n")
    assert len(expand(load_spec(y), "/d")) == 1
    for bad, msg in [('[trian]\nx=1\n[grid]\nparams=[1]\ntokens=[1]', "unknown top-level"),
                     ('[train]\nlr_max = 1\n[grid]\nparams=[1e3]\ntokens=[1e3]', "unknown key"),
                     ('[grid]\nparams=[1e3]', "exactly one of tokens"),
                     ('name="a"', "exactly one of"),
                     ('[grid]\nparams=[-5]\ntokens=[1]', "positive"),
                     ('[train]\nschedule="linear"\n[grid]\nparams=[1e3]\ntokens=[1e3]', "schedule"),
                     ('[grid\n', "invalid TOML")]:
        p.write_text(bad)
        with pytest.raises(InputError, match=msg):
            expand(load_spec(p), "/d")
