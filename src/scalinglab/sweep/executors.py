"""Where runs execute: ``local`` (this process, or ``torchrun`` subprocesses), ``slurm`` (submitit), ``ray``.

Every executor gets the list of pending :class:`~scalinglab.sweep.spec.RunConfig` and the sweep's
output folder, and runs :func:`run_job` for each: a module-level function (picklable, spawn-safe)
that trains or resumes one run in ``<out>/runs/<name>``. Runs are idempotent: a finished run returns
its stored result, a killed one resumes from its checkpoint. So any executor can be re-invoked after
a crash, and the tables are rebuilt from the run folders afterwards.

``LocalExecutor(jobs=N)`` trains up to N runs at once in spawned worker processes
(:func:`run_local_job`), each limited to ``cores // N`` torch threads; the workers send their
start/step/checkpoint events back through a queue, so progress bars and tables update as in a
sequential sweep.

Optional backends are imported lazily: ``submitit`` for Slurm, ``ray`` for a Ray cluster.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scalinglab.errors import ScalingLabError
from scalinglab.sweep.spec import CURVE, RESULT, RunConfig

OnEvent = Callable[[str, dict[str, Any]], None]


def distributed_from_submitit() -> None:
    """In a multi-task submitit job (Slurm, or ``cluster="local"``), export RANK/WORLD_SIZE/... for torch."""
    if "RANK" in os.environ or "SUBMITIT_EXECUTOR" not in os.environ:
        return
    import submitit

    if submitit.JobEnvironment().num_tasks > 1:
        submitit.helpers.TorchDistributedEnvironment().export(set_cuda_visible_devices=False)


def run_job(cfg_dict: dict[str, Any], run_dir: str) -> dict[str, Any]:
    """Train or resume one run (what a cluster job executes); one rank per task in a multi-task job."""
    distributed_from_submitit()
    from scalinglab.sweep.train import train

    try:
        return train(RunConfig.from_dict(cfg_dict), run_dir)
    finally:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


def visible_gpus() -> list[str]:
    """The GPUs this process may use (``CUDA_VISIBLE_DEVICES``, else every device torch sees; none without CUDA)."""
    try:
        import torch
    except ImportError:
        return []
    if not torch.cuda.is_available():
        return []
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None and env.strip():
        return [g.strip() for g in env.split(",") if g.strip()]
    return [str(i) for i in range(torch.cuda.device_count())]


def gpu_assignment(workers: int, gpus: list[str]) -> list[str | None]:
    """``CUDA_VISIBLE_DEVICES`` of each of ``workers`` worker slots: round-robin over ``gpus`` (None: no GPU)."""
    return [gpus[i % len(gpus)] if gpus else None for i in range(workers)]


def no_gpu_warning(executor: str, gpus: float) -> str | None:
    """A warning when a cluster executor is asked for no GPUs although this machine has CUDA."""
    if gpus or not visible_gpus():
        return None
    return (f"warning: the {executor} executor was given no GPUs per node but CUDA is available "
            "here: its runs will train on CPU")


def cpu_cores() -> int:
    """CPU cores this process may run on (its affinity mask, e.g. a container's or Slurm's share)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


_events: Any = None  # in a LocalExecutor worker: the queue its runs' events go back to the parent through


def _init_worker(events: Any, parent_pid: int, slots: Any = None) -> None:
    """Set up a LocalExecutor worker: event queue, its GPU (round-robin slot), die with the parent, no Ctrl-C."""
    global _events
    _events = events
    gpu = slots.get() if slots is not None else None
    if gpu is not None:  # before torch initialises CUDA in this process
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent catches it and stops the workers
    if sys.platform.startswith("linux"):  # a SIGKILLed sweep stops its runs, as a sequential one does
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)


def run_local_job(cfg_dict: dict[str, Any], run_dir: str, threads: int) -> dict[str, Any]:
    """Train or resume one run in a LocalExecutor worker with at most ``threads`` torch threads."""
    from scalinglab.sweep.train import train

    cfg = RunConfig.from_dict(cfg_dict)

    def emit(kind: str, info: dict[str, Any]) -> None:
        if _events is not None:
            _events.put((kind, info))

    def progress(step: int, total: int, info: dict[str, Any]) -> None:
        emit("checkpoint" if info.get("checkpoint") else "step", {"run": cfg.name, "step": step, "steps": total,
                                                                   **info})

    emit("start", {"run": cfg.name, "steps": cfg.steps})
    return train(cfg, run_dir, on_progress=progress, max_threads=threads)


def check_or_write_config(cfg: RunConfig, run_dir: Path) -> None:
    """Store the run's config; refuse to reuse a folder that holds a different run of the same name."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "config.json"
    mine = cfg.to_dict()
    if path.exists():
        old = json.loads(path.read_text())
        diff = sorted(k for k in mine if k not in ("data_dir", "peak_flops") and old.get(k) != mine[k])
        if diff:
            raise ScalingLabError(f"{run_dir} holds run {cfg.name!r} with a different config "
                                  f"({', '.join(diff)}); use a new output folder")
        return
    from scalinglab.sweep.shards import write_json_atomic

    write_json_atomic(path, mine)


class LocalExecutor:
    """Runs on this machine: one after another in this process; with ``nproc_per_node > 1`` each run is
    a torchrun job; with ``jobs > 1`` up to ``jobs`` runs at once in spawned worker processes.

    With ``jobs > 1`` each worker gets ``cores // min(jobs, runs)`` torch threads at most (a run's own
    ``cpu_threads`` is kept when it fits, so its results are bit-identical to a sequential sweep's; the
    presets use one thread per run). A run that fails stops the others (they resume from their last
    checkpoint on a rerun) and raises :class:`ScalingLabError` naming the run. Workers are started with
    ``spawn``, so a script that uses ``jobs > 1`` needs the usual ``if __name__ == "__main__":`` guard.
    """

    name = "local"

    def __init__(self, nproc_per_node: int = 1, jobs: int = 1) -> None:
        self.nproc = max(1, int(nproc_per_node))
        self.jobs = int(jobs)
        if self.jobs < 1:
            raise ScalingLabError(f"jobs must be at least 1, got {self.jobs}")
        if self.jobs > 1 and self.nproc > 1:
            raise ScalingLabError("jobs > 1 (runs at once) cannot be combined with nproc_per_node > 1 "
                                  "(torchrun processes per run); use one or the other")

    def run(self, runs: list[RunConfig], out: Path, on_event: OnEvent) -> None:
        if min(self.jobs, len(runs)) > 1:
            self._run_parallel(runs, out, on_event)
            return
        for cfg in runs:
            run_dir = out / "runs" / cfg.name
            check_or_write_config(cfg, run_dir)
            on_event("start", {"run": cfg.name, "steps": cfg.steps})
            if self.nproc == 1:
                from scalinglab.sweep.train import train

                def progress(step: int, total: int, info: dict[str, Any], name: str = cfg.name) -> None:
                    on_event("checkpoint" if info.get("checkpoint") else "step",
                             {"run": name, "step": step, "steps": total, **info})

                result = train(cfg, run_dir, on_progress=progress)
            else:
                result = self._torchrun(cfg, run_dir, on_event)
            on_event("done", {"run": cfg.name, **result})

    def _run_parallel(self, runs: list[RunConfig], out: Path, on_event: OnEvent) -> None:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        from scalinglab.sweep.flops import chinchilla_flops_per_token

        workers = min(self.jobs, len(runs))
        threads = max(1, cpu_cores() // workers)
        for cfg in runs:  # refuse a mismatched folder before any process starts
            check_or_write_config(cfg, out / "runs" / cfg.name)
        ctx = multiprocessing.get_context("spawn")
        events = ctx.SimpleQueue()
        gpus = visible_gpus() if any(r.device != "cpu" for r in runs) else []
        slots = ctx.SimpleQueue()
        for gpu in gpu_assignment(workers, gpus):  # worker i trains on GPU i mod n (CUDA_VISIBLE_DEVICES)
            slots.put(gpu)
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                   initargs=(events, os.getpid(), slots))
        order = {cfg.name: i for i, cfg in enumerate(runs)}
        running: dict[str, None] = {}  # started, not yet done (insertion-ordered)

        def drain() -> None:
            while not events.empty():
                kind, info = events.get()
                if kind == "start":
                    running[info["run"]] = None
                on_event(kind, info)

        # longest first (LPT): the sweep's biggest run does not start last and leave the other cores idle
        by_cost = sorted(runs, key=lambda r: (-chinchilla_flops_per_token(r.shape) * r.tokens, order[r.name]))
        try:
            futures: dict[Future[dict[str, Any]], RunConfig] = {
                pool.submit(run_local_job, cfg.to_dict(), str(out / "runs" / cfg.name), threads): cfg
                for cfg in by_cost}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                drain()  # a run's events are all queued before its future completes
                for fut in sorted(done, key=lambda f: order[futures[f].name]):
                    cfg = futures[fut]
                    exc = fut.exception()
                    if isinstance(exc, BrokenProcessPool):
                        where = f"while training run(s) {', '.join(running)}" if running else \
                            f"before run {cfg.name} started"
                        raise ScalingLabError(f"a worker process died {where} (killed, or out of memory?)") from exc
                    if isinstance(exc, ScalingLabError):
                        raise ScalingLabError(f"run {cfg.name}: {exc}") from exc
                    if exc is not None:
                        last = str(exc).strip().splitlines()
                        raise ScalingLabError(f"run {cfg.name} failed: {type(exc).__name__}"
                                              f"{': ' + last[-1] if last else ''}") from exc
                    running.pop(cfg.name, None)
                    on_event("done", {"run": cfg.name, **fut.result()})
        except BaseException:  # a failed run, Ctrl-C, an error in on_event: stop everything, never hang
            _stop_pool(pool)
            events.close()
            raise
        pool.shutdown(wait=True)
        events.close()

    def _torchrun(self, cfg: RunConfig, run_dir: Path, on_event: OnEvent) -> dict[str, Any]:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={self.nproc}",
               "-m", "scalinglab.sweep.train", "--config", str(run_dir / "config.json"), "--run-dir", str(run_dir)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seen = 0
        while proc.poll() is None:  # report progress from the curve file the job writes
            time.sleep(1.0)
            seen = _poll_curve(run_dir, cfg, seen, on_event)
        out_text = proc.stdout.read() if proc.stdout else ""
        if proc.returncode != 0:
            tail = "\n".join(out_text.strip().splitlines()[-5:])
            raise ScalingLabError(f"torchrun for run {cfg.name} failed (exit {proc.returncode}): {tail}")
        _poll_curve(run_dir, cfg, seen, on_event)
        return json.loads((run_dir / RESULT).read_text())


def _stop_pool(pool: Any) -> None:
    """Cancel queued runs and end the running workers (runs resume from their checkpoints on a rerun)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() drops the mapping
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        p.terminate()
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
            p.join(timeout=5)
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:  # let it close its wake-up pipe now, not while the interpreter exits (3.11 race)
        manager.join(timeout=10)


def _poll_curve(run_dir: Path, cfg: RunConfig, seen: int, on_event: OnEvent) -> int:
    try:
        curve = json.loads((run_dir / CURVE).read_text())
    except (OSError, ValueError):
        return seen
    for p in curve[seen:]:
        on_event("checkpoint", {"run": cfg.name, "step": p["step"], "steps": cfg.steps, "val_loss": p["loss"]})
    return len(curve)


class SlurmExecutor:
    """Submits each run as a job through submitit (``cluster="debug"`` runs jobs in this process)."""

    name = "slurm"

    def __init__(self, folder: Path | None = None, cluster: str | None = None, partition: str | None = None,
                 timeout_min: int = 240, gpus_per_node: int = 0, cpus_per_task: int | None = None,
                 nproc_per_node: int = 1, **extra: Any) -> None:
        self.folder, self.cluster, self.partition = folder, cluster, partition
        self.timeout_min, self.gpus, self.cpus = timeout_min, gpus_per_node, cpus_per_task
        self.nproc, self.extra = max(1, nproc_per_node), extra

    def run(self, runs: list[RunConfig], out: Path, on_event: OnEvent) -> None:
        try:
            import submitit
        except ImportError:
            raise ScalingLabError("the slurm executor needs submitit: pip install scalinglab[cluster]") from None
        ex = submitit.AutoExecutor(folder=str(self.folder or out / "slurm"), cluster=self.cluster)
        params: dict[str, Any] = {"timeout_min": self.timeout_min, "tasks_per_node": self.nproc, "nodes": 1}
        if self.gpus:
            params["gpus_per_node"] = self.gpus
        if self.cpus:
            params["cpus_per_task"] = self.cpus
        if self.partition:
            params["slurm_partition"] = self.partition
        params.update(self.extra)
        ex.update_parameters(**params)
        warning = no_gpu_warning("slurm", self.gpus)
        if warning:
            on_event("warning", {"run": "", "message": warning})
        for cfg in runs:
            check_or_write_config(cfg, out / "runs" / cfg.name)
        jobs = []
        for cfg in runs:
            on_event("start", {"run": cfg.name, "steps": cfg.steps})
            jobs.append((cfg, ex.submit(run_job, cfg.to_dict(), str(out / "runs" / cfg.name))))
        for cfg, job in jobs:
            try:
                res = job.results()  # one result per task; job.result() refuses multi-task jobs
            except Exception as exc:  # a failed job: report which run, keep the others' results
                raise ScalingLabError(f"slurm job {job.job_id} (run {cfg.name}) failed: {_last_line(exc)}") from None
            on_event("done", {"run": cfg.name, **res[0]})  # rank 0's result (every rank returns the same)


class RayExecutor:
    """Runs each run as a Ray task (``address``: ``auto``, ``ray://head:10001``; None starts a local Ray).

    One process per run: ``nproc_per_node > 1`` is refused (use the local or slurm executor for
    multi-process runs). A local Ray gets ``num_cpus`` CPUs, no dashboard; a failed task is one line.
    """

    name = "ray"

    def __init__(self, address: str | None = None, num_gpus: float = 0, num_cpus: float = 1,
                 nproc_per_node: int = 1, local_cpus: int | None = None) -> None:
        if nproc_per_node > 1:
            raise ScalingLabError("the ray executor runs each run as one process; `nproc_per_node` > 1 needs the "
                                  "local (torchrun) or slurm executor")
        self.address, self.num_gpus, self.num_cpus = address, num_gpus or 0, num_cpus
        self.local_cpus = local_cpus

    def _init(self, ray: Any) -> None:
        if ray.is_initialized():
            return
        opts: dict[str, Any] = {"address": self.address, "include_dashboard": False, "log_to_driver": False,
                                "configure_logging": False}
        if self.address is None:  # a local Ray for this sweep only: small, quiet
            opts["num_cpus"] = self.local_cpus or max(1, int(self.num_cpus))
            opts["num_gpus"] = len(visible_gpus())
        try:
            ray.init(**opts)
        except Exception as exc:  # unreachable address, bad options: one line
            raise ScalingLabError(f"could not start or reach Ray ({self.address or 'local'}): {_last_line(exc)}") from None

    def run(self, runs: list[RunConfig], out: Path, on_event: OnEvent) -> None:
        try:
            import ray
        except ImportError:
            raise ScalingLabError("the ray executor needs ray: pip install scalinglab[cluster]") from None
        self._init(ray)
        warning = no_gpu_warning("ray", self.num_gpus)
        if warning:
            on_event("warning", {"run": "", "message": warning})
        task = ray.remote(num_gpus=self.num_gpus, num_cpus=self.num_cpus, max_retries=0)(run_job)
        pending = {}
        for cfg in runs:
            check_or_write_config(cfg, out / "runs" / cfg.name)
            on_event("start", {"run": cfg.name, "steps": cfg.steps})
            pending[task.remote(cfg.to_dict(), str(out / "runs" / cfg.name))] = cfg
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            cfg = pending.pop(done[0])
            try:
                result = ray.get(done[0])
            except Exception as exc:  # RayTaskError wraps the run's own error and its traceback
                for ref in pending:
                    ray.cancel(ref, force=True)
                cause = getattr(exc, "cause", None) or exc
                raise ScalingLabError(f"ray task for run {cfg.name} failed: {_last_line(cause)}") from None
            on_event("done", {"run": cfg.name, **result})


def _last_line(exc: BaseException) -> str:
    """The last non-empty line of an error's message (cluster errors carry whole remote tracebacks)."""
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    return lines[-1] if lines else type(exc).__name__


def make_executor(kind: str, **options: Any) -> LocalExecutor | SlurmExecutor | RayExecutor:
    options = {k: v for k, v in options.items() if v is not None}
    if kind == "local":
        return LocalExecutor(nproc_per_node=options.get("nproc_per_node", 1), jobs=options.get("jobs", 1))
    if kind == "slurm":
        return SlurmExecutor(**options)
    if kind == "ray":
        return RayExecutor(**{k: v for k, v in options.items()
                              if k in ("address", "num_gpus", "num_cpus", "nproc_per_node", "local_cpus")})
    raise ScalingLabError(f"unknown executor {kind!r} (local, slurm, ray)")
