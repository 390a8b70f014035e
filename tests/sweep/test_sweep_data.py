"""Data pipeline: corpus, quality filter, MinHash dedupe, BPE, shards, and the deterministic sampler."""

from __future__ import annotations

import hashlib
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from scalinglab.errors import InputError, ScalingLabError
from scalinglab.sweep.corpus import Document, load_corpus, stdlib_files
from scalinglab.sweep.filters import QualityConfig, quality_filter, rejection_reason
from scalinglab.sweep.shards import DataConfig, TokenShards, batch_windows, prepare_data, read_meta

CODE = "\n".join(f"def function_{i}(value_{i}):\n    return value_{i} * {i} + offset_{i}" for i in range(40))


def test_stdlib_corpus_is_python_source_without_tests():
    files = stdlib_files()
    root = Path(sysconfig.get_paths()["stdlib"])
    rel = [f.relative_to(root).as_posix() for f in files]
    assert len(files) > 100 and "os.py" in rel
    assert not any(r.startswith(("test/", "site-packages/", "idlelib/")) for r in rel)
    assert rel == sorted(rel)


def test_quality_filter_reasons():
    cfg = QualityConfig(min_chars=50)
    assert rejection_reason("x = 1", cfg) == "too_short"
    assert rejection_reason("#$%^&*(){}[];:<>?/" * 10, cfg) == "symbols"
    assert rejection_reason("this exact line repeats many times\n" * 20, cfg) == "duplicate_lines"
    assert rejection_reason("spam spam spam " * 30, cfg) == "repetitive_ngrams"
    assert rejection_reason(CODE, cfg) is None
    kept, report = quality_filter([Document("a", CODE), Document("b", "x")], cfg)
    assert [d.source for d in kept] == ["a"] and report.rejected["too_short"] == 1


def test_minhash_dedupe_drops_near_duplicates_keeps_first():
    pytest.importorskip("datasketch", reason="dedupe needs datasketch (scalinglab[train])")
    from scalinglab.sweep.dedupe import dedupe

    other = " ".join(f"word{i} token{i * 7 % 13}" for i in range(200))
    near = CODE.replace("offset_17", "offset_seventeen")  # one edit: Jaccard well above 0.8
    docs = [Document("a", CODE), Document("b", other), Document("c", near), Document("d", CODE)]
    kept, dropped = dedupe(docs, threshold=0.8, seed=1)
    assert [d.source for d in kept] == ["a", "b"] and dropped == 2


def test_directory_corpus_and_errors(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.txt").write_text("second")
    (tmp_path / "sub" / "a.md").write_text("first")
    (tmp_path / "blob.bin").write_bytes(b"\xff\xfe\x00")
    docs = load_corpus(str(tmp_path))
    assert [Path(d.source).name for d in docs] == ["b.txt", "a.md"]
    with pytest.raises(InputError, match="no such file"):
        load_corpus(str(tmp_path / "missing"))


def test_hf_dataset_from_disk(tmp_path):
    datasets = pytest.importorskip("datasets", reason="Hugging Face datasets is not installed")
    datasets.Dataset.from_dict({"text": ["alpha beta", "gamma delta"]}).save_to_disk(str(tmp_path / "ds"))
    docs = load_corpus(f"hf:{tmp_path / 'ds'}")
    assert [d.text for d in docs] == ["alpha beta", "gamma delta"]
    with pytest.raises(InputError, match="text field"):
        load_corpus(f"hf:{tmp_path / 'ds'}", text_field="content")
    dd = datasets.DatasetDict({"train": datasets.Dataset.from_dict({"content": ["one"]}),
                               "validation": datasets.Dataset.from_dict({"content": ["two"]})})
    dd.save_to_disk(str(tmp_path / "dd"))  # a DatasetDict folder is recognised without the hf: prefix
    assert [d.text for d in load_corpus(str(tmp_path / "dd"), text_field="content")] == ["one"]
    assert [d.text for d in load_corpus(str(tmp_path / "dd"), text_field="content", split="validation")] == ["two"]


def test_prepare_data_is_deterministic_and_splits(small_data, tmp_path):
    again = prepare_data(DataConfig(source="stdlib", max_docs=40, vocab_size=384, val_fraction=0.1), tmp_path,
                         seed=0, log=lambda m: None)
    assert again.name == small_data.name  # same fingerprint
    for f in ("tokenizer.json", "train_00000.npy", "val.npy"):
        assert hashlib.sha256((again / f).read_bytes()).digest() == \
            hashlib.sha256((small_data / f).read_bytes()).digest(), f
    meta = read_meta(small_data)
    assert meta["vocab_size"] == 384 and meta["train_tokens"] > 10_000 and meta["val_tokens"] > 0
    assert meta["documents"]["val"] >= 1
    arr = np.load(small_data / "train_00000.npy", mmap_mode="r")
    assert isinstance(arr, np.memmap) and arr.max() < 384
    # a different seed changes the split, hence the shards
    other = prepare_data(DataConfig(source="stdlib", max_docs=40, vocab_size=384, val_fraction=0.1), tmp_path,
                         seed=1, log=lambda m: None)
    assert other.name != small_data.name
    assert (other / "val.npy").read_bytes() != (small_data / "val.npy").read_bytes()


def test_tokenizer_roundtrip(small_data):
    from scalinglab.sweep.tokenizer import load_tokenizer

    tok = load_tokenizer(small_data / "tokenizer.json")
    text = "def f(x):\n    return x ** 2  # ünïcode ✓\n"
    assert tok.decode(tok.encode(text).ids) == text


def test_shards_and_sampler(small_data):
    shards = TokenShards([small_data / "train_00000.npy"], seq_len=32)
    raw = np.load(small_data / "train_00000.npy")
    assert np.array_equal(shards.window(1), raw[32:65])
    n = shards.n_windows
    first_epoch = batch_windows(0, n, n, seed=3)
    assert sorted(first_epoch.tolist()) == list(range(n))  # each window once per epoch
    assert np.array_equal(batch_windows(5, 7, n, seed=3), first_epoch[5:12])  # position is the whole state
    assert not np.array_equal(batch_windows(n, n, n, seed=3), first_epoch)  # reshuffled next epoch
    assert not np.array_equal(batch_windows(0, n, n, seed=4), first_epoch)


def test_too_little_data_is_a_clear_error(tmp_path):
    (tmp_path / "only.txt").write_text(CODE)
    pytest.importorskip("datasketch", reason="dedupe needs datasketch")
    with pytest.raises(ScalingLabError, match="at least 2"):
        prepare_data(DataConfig(source=str(tmp_path), vocab_size=300), tmp_path / "out", log=lambda m: None)


def test_data_fingerprint_hashes_corpus_content_and_python(tmp_path):
    import platform

    from scalinglab.sweep.corpus import corpus_fingerprint

    (tmp_path / "a.txt").write_text("one document " * 50)
    cfg = DataConfig(source=str(tmp_path))
    first = cfg.fingerprint(0)
    assert corpus_fingerprint(str(tmp_path))["python"] == platform.python_version()
    (tmp_path / "a.txt").write_text("another text " * 50)  # same config, other corpus: another cache key
    assert cfg.fingerprint(0) != first
    assert DataConfig(source=str(tmp_path)).fingerprint(0) == cfg.fingerprint(0)
