"""Export a sweep GPT as a Hugging Face ``GPT2LMHeadModel`` folder (safetensors, config, tokenizer).

The sweep's model is GPT-2 without biases: learned positions, pre-LayerNorm blocks, exact-erf GELU
MLP of width ``d_ff``, a final LayerNorm and a head tied to the token embedding. It maps exactly onto
``GPT2LMHeadModel`` with every bias set to zero, ``activation_function="gelu"`` and the linear weights
transposed into GPT-2's ``Conv1D`` layout (``[in, out]``). The byte-level BPE tokenizer is wrapped as
``PreTrainedTokenizerFast`` with ``<|endoftext|>`` as BOS/EOS/pad and a chat template that renders
:mod:`scalinglab.post.tasks`' format. The folder loads with ``from_pretrained`` and no network.

Imports torch; :func:`export_hf` imports transformers.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch

from scalinglab.errors import InputError, ScalingLabError
from scalinglab.post.base import BaseRun, load_base
from scalinglab.sweep.model import GPT
from scalinglab.sweep.spec import CHECKPOINT, RESULT
from scalinglab.sweep.tokenizer import EOT

#: Jinja chat template of the tasks' format: ``<|endoftext|>user: ...\nassistant: ...<|endoftext|>``.
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}user: {{ m['content'] }}\n"
    "{% else %}assistant: {{ m['content'] }}{{ eos_token }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}")


def _transformers() -> Any:
    try:
        import transformers
    except ImportError:
        raise ScalingLabError("export needs `transformers` and `safetensors`: install scalinglab[post]") from None
    return transformers


def gpt2_state_dict(model: GPT) -> dict[str, torch.Tensor]:
    """The sweep GPT's weights under GPT-2's names and layout (zero biases, Conv1D = transposed Linear)."""
    s = model.shape
    zeros = lambda n: torch.zeros(n)  # noqa: E731
    sd: dict[str, torch.Tensor] = {
        "transformer.wte.weight": model.tok_emb.weight.detach().clone(),
        "transformer.wpe.weight": model.pos_emb.weight.detach().clone(),
        "transformer.ln_f.weight": model.ln_f.weight.detach().clone(), "transformer.ln_f.bias": zeros(s.d_model),
    }
    for i, b in enumerate(model.blocks):
        p = f"transformer.h.{i}."
        sd |= {
            p + "ln_1.weight": b.ln1.weight.detach().clone(), p + "ln_1.bias": zeros(s.d_model),
            p + "attn.c_attn.weight": b.attn.qkv.weight.detach().t().contiguous(),
            p + "attn.c_attn.bias": zeros(3 * s.d_model),
            p + "attn.c_proj.weight": b.attn.proj.weight.detach().t().contiguous(),
            p + "attn.c_proj.bias": zeros(s.d_model),
            p + "ln_2.weight": b.ln2.weight.detach().clone(), p + "ln_2.bias": zeros(s.d_model),
            p + "mlp.c_fc.weight": b.mlp.up.weight.detach().t().contiguous(), p + "mlp.c_fc.bias": zeros(s.d_ff),
            p + "mlp.c_proj.weight": b.mlp.down.weight.detach().t().contiguous(),
            p + "mlp.c_proj.bias": zeros(s.d_model),
        }
    return sd


def hf_model(model: GPT) -> Any:
    """An in-memory ``GPT2LMHeadModel`` with the sweep GPT's weights (eval mode)."""
    tf = _transformers()
    s = model.shape
    config = tf.GPT2Config(
        vocab_size=s.vocab_size, n_positions=s.seq_len, n_embd=s.d_model, n_layer=s.n_layer, n_head=s.n_head,
        n_inner=s.d_ff, activation_function="gelu", resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
        layer_norm_epsilon=1e-5, tie_word_embeddings=True, bos_token_id=None, eos_token_id=None)
    hf = tf.GPT2LMHeadModel(config)
    missing, unexpected = hf.load_state_dict(gpt2_state_dict(model), strict=False)
    if unexpected or [k for k in missing if k != "lm_head.weight"]:
        raise ScalingLabError(f"GPT-2 layout mismatch: missing {missing}, unexpected {unexpected}")
    hf.tie_weights()
    return hf.eval()


def hf_tokenizer(tokenizer_path: Path) -> Any:
    """The sweep's BPE tokenizer as ``PreTrainedTokenizerFast`` with EOT special tokens and a chat template."""
    tf = _transformers()
    tok = tf.PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_path), bos_token=EOT, eos_token=EOT,
                                     pad_token=EOT, unk_token=None)
    tok.chat_template = CHAT_TEMPLATE
    return tok


def export_hf(run: BaseRun | Path | str, out: Path | str, model: GPT | None = None) -> Path:
    """Write ``out`` (atomically: built beside it, then moved into place) from a run or an explicit model."""
    out = Path(out)
    if out.exists() and not out.is_dir():  # was a NotADirectoryError traceback after the model was built
        raise InputError("the output folder is a file", file=str(out))
    if not isinstance(run, BaseRun) and model is None and (Path(run) / CHECKPOINT).exists() \
            and not (Path(run) / RESULT).exists():  # a killed run's checkpoint was exported as if it were final
        raise InputError("the run is unfinished (no result.json); finish it with `scalinglab sweep resume`",
                         file=str(run))
    base = run if isinstance(run, BaseRun) else load_base(run)
    model = model if model is not None else base.model
    hf = hf_model(model)
    eot = base.tokenizer.token_to_id(EOT)
    hf.config.bos_token_id = hf.config.eos_token_id = hf.config.pad_token_id = eot
    hf.generation_config.bos_token_id = hf.generation_config.eos_token_id = eot
    hf.generation_config.pad_token_id = eot
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        hf.save_pretrained(tmp, safe_serialization=True)
        hf_tokenizer(base.tokenizer_path).save_pretrained(tmp)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
