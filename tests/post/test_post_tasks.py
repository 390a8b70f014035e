"""Task generators: seeded and deterministic, disjoint train/held-out splits, verifier and near misses."""

from __future__ import annotations

import random

import pytest

from scalinglab.errors import InputError
from scalinglab.post.tasks import (
    EOT,
    Example,
    chat_prompt,
    chat_text,
    make_examples,
    make_pairs,
    near_miss,
    stdlib_items,
    verify,
)

LINES = ["import os", "    return self.value", "x = compute(y)", "def f(a, b):", "from abc import ABCMeta",
         "    raise ValueError", "    yield item", "    del cache", "import sys", "    pass"] * 3


@pytest.mark.parametrize("task", ["add", "copy", "reverse"])
def test_generators_are_seeded_with_disjoint_splits(task):
    a = make_examples(task, 50, seed=3, split="train", digits=2, length=3)
    assert a == make_examples(task, 50, seed=3, split="train", digits=2, length=3)  # deterministic
    assert a != make_examples(task, 50, seed=4, split="train", digits=2, length=3)  # the seed matters
    held = make_examples(task, 50, seed=3, split="eval", digits=2, length=3)
    assert not {e.prompt for e in a} & {e.prompt for e in held}  # held-out items never trained on
    for ex in a + held:
        assert verify(ex, ex.answer) and verify(ex, f" {ex.answer} ")
        op, *args = ex.prompt.split(" ")
        if task == "add":
            assert int(ex.answer) == int(args[0]) + int(args[1])
        else:
            assert ex.answer.split(" ") == (args if task == "copy" else args[::-1]) and len(args) == 3


def test_stdlib_task_asks_for_the_last_identifier_of_held_out_lines():
    items = stdlib_items("\n".join(LINES))
    assert Example("stdlib", "complete     return self.", "value") not in items  # lines are stripped
    assert Example("stdlib", "complete return self.", "value") in items
    assert all(not i.prompt.endswith(" (") for i in items)
    train = make_examples("stdlib", 3, 0, "train", lines=LINES)
    held = make_examples("stdlib", 3, 0, "eval", lines=LINES)
    assert not {e.prompt for e in train} & {e.prompt for e in held}
    with pytest.raises(InputError, match="no usable lines"):
        make_examples("stdlib", 3, 0, "eval", lines=["(", ")"])


def test_near_misses_are_wrong_but_close_and_pairs_are_seeded():
    rng = random.Random(0)
    for task in ("add", "copy", "reverse"):
        for ex in make_examples(task, 40, 0, "train", digits=2, length=3):
            miss = near_miss(ex, rng)
            assert not verify(ex, miss)
            assert len(miss) in (len(ex.answer), len(ex.answer) + 1, len(ex.answer) + 2)
    exs = make_examples("add", 10, 0, "train")
    assert make_pairs(exs, 1) == make_pairs(exs, 1)
    assert all(c == e.answer and r != c for e, c, r in make_pairs(exs, 1))


def test_chat_format_and_errors():
    ex = Example("add", "add 2 3", "5")
    assert chat_prompt(ex.prompt) == f"{EOT}user: add 2 3\nassistant:"
    assert "".join(chat_text(ex)) == f"{EOT}user: add 2 3\nassistant: 5{EOT}"
    with pytest.raises(InputError, match="unknown task"):
        make_examples("sort", 3, 0, "train")
    with pytest.raises(InputError, match="split"):
        make_examples("add", 3, 0, "test")
