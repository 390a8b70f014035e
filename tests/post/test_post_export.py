"""``scalinglab sweep export``: the folder loads in transformers offline and matches the sweep GPT's logits."""

from __future__ import annotations

import pytest


def test_export_matches_sweep_logits_and_generates(cli, base_run_dir, tmp_path, monkeypatch):
    torch = pytest.importorskip("torch", reason="needs PyTorch (scalinglab[train])")
    tf = pytest.importorskip("transformers", reason="export needs transformers (scalinglab[post])")
    from scalinglab.post.base import load_base
    from scalinglab.post.tasks import EOT

    hf_dir = tmp_path / "hf"
    cli("sweep", "export", base_run_dir, "--out", hf_dir, check=True)
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in hf_dir.iterdir()}
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no network: everything must come from the folder
    model = tf.AutoModelForCausalLM.from_pretrained(hf_dir, local_files_only=True).eval()
    tok = tf.AutoTokenizer.from_pretrained(hf_dir, local_files_only=True)
    assert type(model).__name__ == "GPT2LMHeadModel"

    base = load_base(base_run_dir)
    text = "def parse(path):\n    with open(path) as f:\n        return f.read()\n"
    ids = base.tokenizer.encode(text).ids
    assert tok.encode(text) == ids  # the wrapped tokenizer is the sweep's tokenizer
    x = torch.tensor([ids])
    with torch.no_grad():
        ours, _ = base.model(x)
        theirs = model(x).logits
    assert ours.shape == theirs.shape
    assert (ours - theirs).abs().max().item() <= 1e-5

    # greedy generation in transformers continues the way the sweep model's own argmax does
    with torch.no_grad():
        gen = model.generate(x[:, :8], max_new_tokens=5, do_sample=False)
        seq = x[:, :8]
        for _ in range(5):
            seq = torch.cat([seq, base.model(seq)[0][:, -1].argmax(-1, keepdim=True)], dim=1)
    assert gen.shape == (1, 13) and torch.equal(gen, seq)

    chat = tok.apply_chat_template([{"role": "user", "content": "add 1 2"}], tokenize=False,
                                   add_generation_prompt=True)
    assert chat == f"{EOT}user: add 1 2\nassistant:"
    assert model.config.eos_token_id == tok.eos_token_id == base.tokenizer.token_to_id(EOT)


def test_export_of_a_missing_run_is_a_one_line_error(cli, tmp_path):
    proc = cli("sweep", "export", tmp_path / "nope", "--out", tmp_path / "hf")
    assert proc.returncode == 2 and "no checkpoint.pt" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "hf").exists()
