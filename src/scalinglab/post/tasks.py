"""Verifiable tasks that need no download: addition, copy, reverse, and completing a standard-library line.

Each generator is a pure function of a seed: ``make_examples(task, n, seed, split)`` returns the same
examples on every machine. The train and held-out (``"eval"``) splits are drawn from disjoint parts of
each task's space (operand pairs / strings hashed into splits; corpus lines from the sweep's
validation shard, which the base model never saw), so held-out accuracy measures generalisation.

Chat format (the tokenizer's one special token, ``<|endoftext|>``, opens a conversation and ends
the assistant's turn; the exported tokenizer's chat template renders the same text)::

    <|endoftext|>user: add 12 7\nassistant: 19<|endoftext|>

The answer's leading space belongs to the completion, so an answer is tokenized the way the same
word is in the prompt (byte-level BPE folds the space into the next token). Strings for copy and
reverse are letters separated by spaces (``reverse a c b`` -> ``b c a``): one token per letter.

A verifier checks an answer by exact match; :func:`near_miss` gives a plausible wrong answer for DPO
preference pairs (a digit off by one, two characters swapped, a different word).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from scalinglab.errors import InputError

EOT = "<|endoftext|>"
TASKS = ("add", "copy", "reverse", "stdlib")
LETTERS = "abcdefghij"


@dataclass(frozen=True)
class Example:
    """One task instance: the user's prompt text and the single correct answer."""

    task: str
    prompt: str
    answer: str


def chat_prompt(prompt: str) -> str:
    """The text the model sees before it answers."""
    return f"{EOT}user: {prompt}\nassistant:"


def chat_text(ex: Example, answer: str | None = None) -> tuple[str, str]:
    """(prompt part, completion part) of a full training conversation."""
    return chat_prompt(ex.prompt), f" {ex.answer if answer is None else answer}{EOT}"


def verify(ex: Example, answer: str) -> bool:
    """Exact match after stripping surrounding whitespace."""
    return answer.strip() == ex.answer


def _split_of(key: str, eval_fraction: float = 0.3) -> str:
    """Deterministic train/eval assignment of an item by hash (the same on every machine)."""
    h = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") / 2**32
    return "eval" if h < eval_fraction else "train"


def _draw(rng: random.Random, task: str, digits: int, length: int) -> Example:
    if task == "add":
        a, b = rng.randrange(10 ** digits), rng.randrange(10 ** digits)
        return Example(task, f"add {a} {b}", str(a + b))
    s = [rng.choice(LETTERS) for _ in range(length)]
    return Example(task, f"{task} {' '.join(s)}", " ".join(s if task == "copy" else s[::-1]))


def make_examples(task: str, n: int, seed: int, split: str, *, digits: int = 1, length: int = 3,
                  lines: Sequence[str] = ()) -> list[Example]:
    """``n`` examples of ``task`` from ``split`` ("train" or "eval"), seeded; ``lines`` feed ``stdlib``."""
    if task not in TASKS:
        raise InputError(f"unknown task {task!r} (tasks: {', '.join(TASKS)})")
    if split not in ("train", "eval"):
        raise InputError(f"split must be train or eval, got {split!r}")
    if task == "stdlib":
        return _stdlib_examples(lines, n, seed, split)
    rng = random.Random(f"{task}-{seed}-{split}")
    out: list[Example] = []
    for _ in range(200 * n):
        ex = _draw(rng, task, digits, length)
        if _split_of(ex.prompt) == split:
            out.append(ex)
            if len(out) == n:
                return out
    raise InputError(f"task {task!r} has too few {split} items for n={n} (digits={digits}, length={length})")


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


def stdlib_items(text: str, max_chars: int = 28) -> list[Example]:
    """Short code lines ending in an identifier: prompt = the line without it, answer = the identifier."""
    items, seen = [], set()
    for raw in text.splitlines():
        line = raw.strip()
        m = _WORD.search(line)
        if not m or len(line) > max_chars or m.start() < 3 or line in seen:
            continue
        seen.add(line)
        items.append(Example("stdlib", f"complete {line[:m.start()]}", m.group()))
    return items


def _stdlib_examples(lines: Sequence[str], n: int, seed: int, split: str) -> list[Example]:
    pool = [ex for ex in stdlib_items("\n".join(lines)) if _split_of(ex.prompt) == split]
    if not pool:
        raise InputError("the stdlib task found no usable lines in the sweep's validation text")
    rng = random.Random(f"stdlib-{seed}-{split}")
    return [pool[rng.randrange(len(pool))] for _ in range(n)] if len(pool) < n else rng.sample(pool, n)


def near_miss(ex: Example, rng: random.Random) -> str:
    """A wrong answer close to the right one (for DPO's rejected completions)."""
    a = ex.answer
    if ex.task == "add":
        i = rng.randrange(len(a))
        d = (int(a[i]) + rng.choice((1, 9))) % 10
        wrong = a[:i] + str(d) + a[i + 1:]
        return wrong if wrong != a and not (len(wrong) > 1 and wrong[0] == "0") else str(int(a) + 1)
    if ex.task == "stdlib":
        return a + "s"
    chars = a.split(" ")
    if len(set(chars)) == 1:
        return " ".join([*chars, chars[-1]])
    wrong = list(chars)
    while wrong == chars:
        i, j = rng.sample(range(len(chars)), 2)
        wrong[i], wrong[j] = wrong[j], wrong[i]
    return " ".join(wrong)


def make_pairs(examples: Sequence[Example], seed: int) -> list[tuple[Example, str, str]]:
    """(example, chosen, rejected) preference pairs: the verified answer against a near miss."""
    rng = random.Random(f"pairs-{seed}")
    return [(ex, ex.answer, near_miss(ex, rng)) for ex in examples]
