"""Shared fixtures: the repo's CLI, and the public validation data kept in tests/data.

The CLI runs in-process by default (typer's ``CliRunner`` isolation around the very entry point that
``python -m scalinglab`` calls, :func:`scalinglab.cli.main.main`), which saves an interpreter start and the
numpy/pandas/scipy imports per call. ``run_cli(..., subprocess=True)`` (or the ``cli_process`` fixture)
runs a real ``python -m scalinglab`` for the tests that check the process end to end: exit codes, the
one-line error contract with no traceback, and anything that needs a fresh interpreter (signals, spawned
workers, torch training, the process umask).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess as sp
import sys
import threading
import traceback
import types
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Under pytest-xdist (``scripts/test.sh`` runs ``-n auto --dist loadgroup``), the worker's name and count.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
XDIST_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)


def _share_the_cores() -> None:
    """Under xdist, each worker's BLAS/OpenMP/torch pools get the cores divided by the workers.

    Set before numpy or torch loads (a worker imports this file first) and inherited by the subprocesses the
    tests start; a variable the user set is kept. Results do not depend on it: the tests must pass with any
    thread count (``OPENBLAS_NUM_THREADS=1`` included), and the sweep presets pin their own ``cpu_threads``.
    """
    if XDIST_WORKER is None or XDIST_WORKERS < 2:
        return
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    threads = str(max(1, cores // XDIST_WORKERS))
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, threads)


_share_the_cores()
TEST_DATA = REPO / "tests" / "data"

#: The terminal width both variants see (rich and click wrap help and error panels to it); wide, so that a
#: message asserted on is never broken across lines.
COLUMNS = "200"

#: ``SCALINGLAB_TESTS_CLI=subprocess`` runs every CLI call in a real subprocess (to compare the two, or to
#: time the in-process saving: ``benchmarks``-style figures, never an assertion).
ALL_SUBPROCESS = os.environ.get("SCALINGLAB_TESTS_CLI") == "subprocess"

#: Test folders whose ``cli`` fixture is the real subprocess: their commands train with torch (whose thread
#: settings are process-global), spawn workers, or are killed with signals mid-run.
FRESH_PROCESS_DIRS = ("sweep", "post")

#: Python's own warning filters (``python -W`` unset, release build): what a fresh ``python -m scalinglab``
#: starts with, so that a warning the real CLI would print on stderr is printed on stderr here too.
_DEFAULT_WARNING_FILTERS = (("default", DeprecationWarning, "__main__"), ("ignore", DeprecationWarning, None),
                            ("ignore", PendingDeprecationWarning, None), ("ignore", ImportWarning, None),
                            ("ignore", ResourceWarning, None))


@pytest.fixture(scope="session")
def test_data() -> Path:
    """``tests/data``: the public validation files the tests use, laid out as ``../shared/data`` is."""
    return TEST_DATA


@dataclass
class CliResult:
    """What a CLI call left: the fields of ``subprocess.CompletedProcess`` the tests read."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


class CliTimeout(BaseException):
    """An in-process call ran past its ``timeout`` (a BaseException, so no ``except Exception`` swallows it)."""


@contextlib.contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`CliTimeout` in the main thread after ``seconds`` (what ``subprocess.run(timeout=)`` does)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise CliTimeout(f"the command ran past its {seconds} s timeout")

    old_handler = signal.signal(signal.SIGALRM, expire)
    old_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_timer[0]:
            signal.setitimer(signal.ITIMER_REAL, *old_timer)


_MAIN_FILE = str(Path(importlib.util.find_spec("scalinglab").origin).parent / "__main__.py")


def _scalinglab_main() -> types.ModuleType:
    """A stand-in for the ``__main__`` module of ``python -m scalinglab`` (package ``scalinglab``)."""
    module = types.ModuleType("__main__")
    module.__package__, module.__file__ = "scalinglab", _MAIN_FILE
    return module


def _in_process(args: list[str], cwd: Path | None, timeout: float | None) -> CliResult:
    """``scalinglab ARGS`` through :func:`scalinglab.cli.main.main` with captured stdout/stderr.

    A ``SystemExit`` gives the exit code as the interpreter would (``None`` → 0, a message → printed, 1).
    Any other exception is what ``python -m scalinglab`` would die of with a traceback and exit 1: it is
    raised again here, so the test fails on it with the real traceback.
    """
    from typer.testing import CliRunner

    from scalinglab.cli.main import main

    runner = CliRunner(env={"COLUMNS": COLUMNS, "LINES": "50"})
    old_argv, old_cwd, old_hook, old_main = sys.argv, os.getcwd(), sys.excepthook, sys.modules["__main__"]
    code = 0
    with runner.isolation() as (out, err, _), warnings.catch_warnings():
        warnings.resetwarnings()
        for action, category, module in reversed(_DEFAULT_WARNING_FILTERS):
            warnings.filterwarnings(action, category=category, module=module or "")
        warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: sys.stderr.write(
            warnings.formatwarning(message, category, filename, lineno, line))
        # click names the program from ``__main__`` and argv[0]: as in ``python -m scalinglab``
        sys.modules["__main__"], sys.argv = _scalinglab_main(), [_MAIN_FILE, *args]
        try:
            if cwd is not None:
                os.chdir(cwd)
            with _deadline(timeout):
                main()
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                sys.stderr.write(f"{exc.code}\n")
                code = 1
        except BaseException:
            sys.stdout.flush()
            sys.stderr.flush()
            captured = err.getvalue().decode(runner.charset, "replace")
            print(f"scalinglab {' '.join(args)} raised (stderr so far:\n{captured})\n{traceback.format_exc()}",
                  file=sys.__stderr__)
            raise
        finally:
            sys.modules["__main__"], sys.argv = old_main, old_argv
            sys.excepthook = old_hook
            os.chdir(old_cwd)
            sys.stdout.flush()
            sys.stderr.flush()
        stdout = out.getvalue().decode(runner.charset, "replace").replace("\r\n", "\n")
        stderr = err.getvalue().decode(runner.charset, "replace").replace("\r\n", "\n")
    with contextlib.suppress(ImportError):  # figures a command left open would pile up across calls
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
    return CliResult(args=["scalinglab", *args], returncode=code, stdout=stdout, stderr=stderr)


def _in_subprocess(args: list[str], cwd: Path | None, timeout: float | None) -> CliResult:
    """``python -m scalinglab ARGS`` in a real, fresh interpreter."""
    env = {**os.environ, "COLUMNS": COLUMNS, "LINES": "50"}
    proc = sp.run([sys.executable, "-m", "scalinglab", *args], capture_output=True, text=True, cwd=cwd,
                  timeout=timeout, env=env)
    return CliResult(args=proc.args, returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr)


def run_cli(*args: object, check: bool = False, cwd: Path | None = None, timeout: float | None = 600,
            subprocess: bool = ALL_SUBPROCESS) -> CliResult:
    """Run ``scalinglab ARGS`` and capture its exit code, stdout and stderr.

    In-process by default; ``subprocess=True`` runs a real ``python -m scalinglab``. ``check`` raises when
    the exit code is not 0; ``cwd`` is the working folder for the call; ``timeout`` (seconds) fails a call
    that hangs.
    """
    argv = [str(a) for a in args]
    proc = (_in_subprocess if subprocess else _in_process)(argv, cwd, timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"scalinglab {' '.join(argv)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def run_cli_process(*args: object, **kwargs) -> CliResult:
    """:func:`run_cli` in a real subprocess."""
    return run_cli(*args, subprocess=True, **kwargs)


@pytest.fixture
def cli(request):
    """The CLI as a function: ``cli("fit", path, "--json")`` → result with returncode/stdout/stderr.

    In-process, except in :data:`FRESH_PROCESS_DIRS`, whose tests need a fresh interpreter per call.
    """
    folder = Path(str(request.node.path)).resolve().parent
    if folder.parent == REPO / "tests" and folder.name in FRESH_PROCESS_DIRS:
        return run_cli_process
    return run_cli


@pytest.fixture
def cli_process():
    """The CLI in a real ``python -m scalinglab`` subprocess (exit codes and stderr end to end)."""
    return run_cli_process


@pytest.fixture(scope="session")
def scalinglab_cli():
    """The in-process CLI for module- and session-scoped fixtures (``cli`` is per test)."""
    return run_cli



#: How ``--dist loadgroup`` (``scripts/test.sh``) groups the tests, each group on one xdist worker: by file, so
#: that a module-scoped fixture is built once; ``tests/post`` and ``tests/sweep`` as one group each, so that
#: their session-scoped trained sweep / prepared corpus is built once and no two torchrun/gloo, Ray or
#: submitit jobs of theirs overlap (an fsdp torchrun rank aborted once beside another worker's jobs); the tests of :data:`SPREAD_FILES` one by one (long tests, cheap per-test
#: fixtures). This scheduler stands in for xdist's, which reads ``xdist_group`` marks through a node id that
#: pytest 9.2 no longer lets it rename.
SPREAD_FILES = ("tests/docs/test_docs_console.py", "tests/docs/test_docs_notebooks.py")
ONE_GROUP_DIRS = ("tests/post", "tests/sweep")

#: The groups that take longest (minutes, serially), started first so that no long one is left for the end.
LONG_FIRST = ("tests/post", "tests/sweep", "tests/packaging/test_wheel.py", "tests/docs/test_docs_console.py",
              "tests/docs/test_docs_site.py", "tests/docs/test_docs_notebooks.py")


def xdist_scope(nodeid: str) -> str:
    """The group of a test (by node id, ``tests/...py::name``): see :data:`SPREAD_FILES`."""
    path = nodeid.split("::", 1)[0]
    if path in SPREAD_FILES:
        return nodeid
    return next((folder for folder in ONE_GROUP_DIRS if path.startswith(folder + "/")), path)


def _rank(nodeid: str) -> int:
    """Where a test's group goes in the queue: :data:`LONG_FIRST` in order, then the rest as collected."""
    path = nodeid.split("::", 1)[0]
    return next((i for i, key in enumerate(LONG_FIRST) if path == key or path.startswith(key + "/")),
                len(LONG_FIRST))


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadgroup``: xdist's scope scheduler with the groups of :func:`xdist_scope`, in the order the
    workers collected them (:func:`pytest_collection_modifyitems`), not largest first."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False
    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(nodeid)

    return GroupScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In an xdist worker under ``--dist loadgroup``: the long groups first (xdist queues them as collected).

    Serial runs (no ``-n``, or ``-n 0``) keep pytest's order.
    """
    if XDIST_WORKER is not None and getattr(config.option, "loadgroup", False):
        items.sort(key=lambda item: _rank(item.nodeid))  # stable: collection order within a rank
