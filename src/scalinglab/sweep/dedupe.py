"""Near-duplicate removal with MinHash LSH (Broder 1997; ``datasketch``).

Each document becomes the set of its word 5-gram shingles; MinHash with ``num_perm`` seeded
permutations estimates Jaccard similarity, and an LSH index with threshold ``threshold`` finds
candidate near-duplicates in one pass. Documents are visited in order and a document is dropped when
it collides with one already kept, so the first copy survives and the result is deterministic for a
given seed and input order.
"""

from __future__ import annotations

from scalinglab.errors import ScalingLabError
from scalinglab.sweep.corpus import Document


def shingles(text: str, k: int = 5) -> set[bytes]:
    words = text.split()
    if len(words) < k:
        return {" ".join(words).encode()}
    return {" ".join(words[i:i + k]).encode() for i in range(len(words) - k + 1)}


def dedupe(docs: list[Document], *, threshold: float = 0.8, num_perm: int = 64, seed: int = 0,
           shingle_words: int = 5) -> tuple[list[Document], int]:
    """Documents with near-duplicates (estimated Jaccard >= ``threshold``) removed; returns (kept, n_dropped)."""
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        raise ScalingLabError("deduplication needs datasketch: install scalinglab[train]") from None
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    kept: list[Document] = []
    dropped = 0
    for i, doc in enumerate(docs):
        m = MinHash(num_perm=num_perm, seed=seed)
        m.update_batch(list(shingles(doc.text, shingle_words)))
        if lsh.query(m):
            dropped += 1
            continue
        lsh.insert(str(i), m)
        kept.append(doc)
    return kept, dropped
