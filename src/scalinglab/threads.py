"""Hold BLAS to one thread around loops of tiny linear algebra (5×5 solves, 240-point dot products).

Many small BLAS calls with the default thread count spend their time waking and synchronising threads,
and on a loaded machine they oversubscribe the cores (a single fit went from 0.19 s to 0.5–7 s).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Context manager: BLAS/OpenMP pools limited to one thread inside, restored after."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def single_blas_thread(func: F) -> F:
    """Decorator form of ``one_blas_thread`` for functions that loop over tiny fits."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with one_blas_thread():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
