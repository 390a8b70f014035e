"""Heuristic quality filter: drop documents too short or long, mostly symbols, or highly repetitive.

Rules in the spirit of Gopher's (Rae et al. 2021, App. A.1) and C4's, adapted for source code:

* length in characters within ``[min_chars, max_chars]``;
* symbol ratio: the fraction of non-whitespace characters that are neither letters nor digits must
  stay under ``max_symbol_ratio`` (catches encoded blobs, tables of punctuation);
* duplicate lines: the fraction of non-blank lines that repeat an earlier line stays under
  ``max_dup_line_frac``;
* top n-gram share: the most frequent word 3-gram covers at most ``max_top_ngram_frac`` of all
  3-grams (catches generated, copy-pasted text).

Each rejection is counted by reason so a sweep can report what the filter did.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from scalinglab.sweep.corpus import Document


@dataclass(frozen=True)
class QualityConfig:
    min_chars: int = 200
    max_chars: int = 400_000
    max_symbol_ratio: float = 0.5
    max_dup_line_frac: float = 0.3
    max_top_ngram_frac: float = 0.2


@dataclass
class FilterReport:
    kept: int = 0
    rejected: Counter = field(default_factory=Counter)


def symbol_ratio(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 1.0
    return sum(1 for c in chars if not c.isalnum()) / len(chars)


def dup_line_fraction(text: str) -> float:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return 1.0
    # Lines made only of punctuation/keywords such as ")" or "else:" repeat in any code; skip short ones.
    long_lines = [ln for ln in lines if len(ln) >= 20]
    if not long_lines:
        return 0.0
    return 1.0 - len(set(long_lines)) / len(long_lines)


def top_ngram_fraction(text: str, n: int = 3) -> float:
    words = text.split()
    if len(words) < n + 1:
        return 0.0
    grams = Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    return grams.most_common(1)[0][1] / (len(words) - n + 1)


def rejection_reason(text: str, cfg: QualityConfig) -> str | None:
    """Why ``text`` fails the filter, or None when it passes (cheap checks first)."""
    if len(text) < cfg.min_chars:
        return "too_short"
    if len(text) > cfg.max_chars:
        return "too_long"
    if symbol_ratio(text) > cfg.max_symbol_ratio:
        return "symbols"
    if dup_line_fraction(text) > cfg.max_dup_line_frac:
        return "duplicate_lines"
    if top_ngram_fraction(text) > cfg.max_top_ngram_frac:
        return "repetitive_ngrams"
    return None


def quality_filter(docs: list[Document], cfg: QualityConfig) -> tuple[list[Document], FilterReport]:
    """The documents that pass, in their original order, and counts of what was dropped and why."""
    report, kept = FilterReport(), []
    for doc in docs:
        reason = rejection_reason(doc.text, cfg)
        if reason is None:
            kept.append(doc)
        else:
            report.rejected[reason] += 1
    report.kept = len(kept)
    return kept, report
