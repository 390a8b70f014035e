"""Where the training text comes from: the Python standard library, text files, or a saved HF dataset.

The default corpus is the source of the running interpreter's standard library (found through
``sysconfig.get_paths()["stdlib"]``, minus ``site-packages``, test suites and IDLE): about 10 MB of
Python on any machine with Python, so the main sweep needs no download. Documents come back in a
sorted, reproducible order; shuffling happens later under the sweep's seed.
"""

from __future__ import annotations

import hashlib
import platform
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from scalinglab.errors import InputError, ScalingLabError

#: Stdlib subdirectories left out of the default corpus (tests are huge and repetitive; site-packages
#: is third-party code and differs from machine to machine).
STDLIB_EXCLUDE = frozenset({"site-packages", "dist-packages", "test", "tests", "idlelib", "__pycache__"})
TEXT_SUFFIXES = (".txt", ".md", ".py", ".rst", ".json", ".jsonl", ".csv", ".html", ".c", ".h", ".tex")


@dataclass(frozen=True)
class Document:
    """One unit of text; ``source`` names where it came from (path or dataset row)."""

    source: str
    text: str


def stdlib_files() -> list[Path]:
    """The standard library's ``.py`` files, sorted by path relative to the stdlib root."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = [p for p in root.rglob("*.py")
             if not STDLIB_EXCLUDE.intersection(p.relative_to(root).parts[:-1])]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None  # binary or unreadable: not text, skip it


def _files_under(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted((p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES),
                      key=lambda p: p.relative_to(path).as_posix())
    raise InputError("no such file or directory", file=str(path))


def _load_hf(path: Path, text_field: str, split: str | None) -> Iterator[Document]:
    try:
        from datasets import DatasetDict, load_from_disk  # lazy: an optional dependency
    except ImportError:
        raise ScalingLabError("reading a Hugging Face dataset needs the `datasets` package "
                              "(pip install datasets)") from None
    ds = load_from_disk(str(path))
    if isinstance(ds, DatasetDict):
        splits = list(ds.keys())
        name = split or ("train" if "train" in splits else splits[0])
        if name not in splits:
            raise InputError(f"split {name!r} not found (splits: {', '.join(splits)})", file=str(path))
        ds = ds[name]
    if text_field not in ds.column_names:
        raise InputError(f"text field {text_field!r} not found (columns: {', '.join(ds.column_names)})",
                         file=str(path), column=text_field)
    for i, text in enumerate(ds[text_field]):
        if isinstance(text, str):
            yield Document(f"{path}#{i}", text)


def load_corpus(source: str = "stdlib", *, text_field: str = "text", split: str | None = None,
                max_docs: int | None = None) -> list[Document]:
    """Documents from ``source``: ``"stdlib"``, a file, a directory, or ``"hf:PATH"`` (``load_from_disk``).

    A directory is read recursively (text-like suffixes only); each file is one document. A path that
    contains ``dataset_info.json`` or ``dataset_dict.json`` is treated as a saved HF dataset too.
    """
    docs: list[Document] = []
    if source == "stdlib":
        root = Path(sysconfig.get_paths()["stdlib"])
        for p in stdlib_files():
            text = _read_text(p)
            if text is not None:
                docs.append(Document(p.relative_to(root).as_posix(), text))
    else:
        is_hf = source.startswith("hf:")
        path = Path(source[3:] if is_hf else source).expanduser()
        if not is_hf and path.is_dir() and any((path / f).exists() for f in
                                               ("dataset_info.json", "dataset_dict.json", "state.json")):
            is_hf = True
        if is_hf:
            if not path.exists():
                raise InputError("no such dataset directory", file=str(path))
            docs.extend(_load_hf(path, text_field, split))
        else:
            for p in _files_under(path):
                text = _read_text(p)
                if text is not None:
                    docs.append(Document(str(p), text))
    if max_docs is not None:
        docs = docs[:max_docs]
    if not docs:
        raise InputError("no readable text documents found", file=source)
    return docs


def corpus_files(source: str) -> list[Path]:
    """The files whose bytes make up ``source`` (the stdlib's .py files, a file, a folder, a saved dataset)."""
    if source == "stdlib":
        return stdlib_files()
    path = Path(source[3:] if source.startswith("hf:") else source).expanduser()
    if path.is_dir() and (source.startswith("hf:") or any((path / f).exists() for f in
                                                         ("dataset_info.json", "dataset_dict.json", "state.json"))):
        return sorted((p for p in path.rglob("*") if p.is_file()), key=lambda p: p.relative_to(path).as_posix())
    return _files_under(path)


@lru_cache(maxsize=16)
def _hash_files(key: tuple[tuple[str, int, int], ...]) -> str:
    h = hashlib.sha256()
    for name, _, _ in key:
        h.update(name.encode() + b"\0")
        with open(name, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:16]


def corpus_fingerprint(source: str) -> dict[str, str]:
    """Content hash of the corpus files and the Python version (the stdlib corpus differs between versions)."""
    files = corpus_files(source)
    key = tuple((str(p), (st := p.stat()).st_size, st.st_mtime_ns) for p in files)
    return {"corpus_sha256": _hash_files(key), "python": platform.python_version()}
