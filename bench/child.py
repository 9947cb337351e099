"""The measured process: ``python -m bench.child '<job as JSON>'``.

Two kinds of job, each in a fresh interpreter so import cost is part of the figure:

- ``program``: run the project's ``__main__.py`` on the mock runtime with the given
  stack config (already parsed by the parent, as the Pulumi CLI would hand it over);
  report time, peak RSS, resource count, the ``pulumi_*`` modules the run loaded and
  the dependency graph. With ``warm`` > 0, run the program that many more times in the
  same process (every module already loaded) and report those times too.
- ``floor``: import pulumi, the mock runtime and exactly the given modules; register
  nothing; report time and peak RSS.

The result is the last stdout line, prefixed with ``BENCH-RESULT``. The process
ends with ``os._exit`` so interpreter teardown is left out of both measurements.
"""

import time

_T0 = time.perf_counter()

import json  # noqa: E402 - after the clock starts
import os  # noqa: E402
import sys  # noqa: E402

MARKER = "BENCH-RESULT "
SDK_PREFIXES = ("pulumi_", "pulumiverse_")


def _rss_kb() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _cpu_s() -> float:
    """User + system CPU seconds of this process so far (start-up included)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _executed(names: set[str]) -> list[str]:
    """Modules whose code ran: the SDKs put lazy stubs (``importlib.util._LazyModule``) in
    ``sys.modules`` for every submodule; ``type()`` looks without triggering the load."""
    return sorted(
        n for n in names if sys.modules.get(n) is not None and type(sys.modules[n]).__name__ != "_LazyModule"
    )


def _top_level(names: set[str]) -> list[str]:
    return sorted({n.split(".", 1)[0] for n in names})


def floor(job: dict) -> dict:
    import importlib

    import pulumi  # noqa: F401 - the floor includes the SDK core

    import plan.runtime  # noqa: F401 - and the mock runtime

    for name in job["modules"]:
        importlib.import_module(name)
    elapsed = time.perf_counter() - _T0
    return {
        "seconds": elapsed,
        "cpu_s": _cpu_s(),
        "rss_kb": _rss_kb(),
        "top_level": _top_level(set(sys.modules)),
    }


class _GcClock:
    """CPU time spent in the cyclic garbage collector, and how many full (generation 2) collections."""

    def __init__(self) -> None:
        import gc

        self.seconds, self.full, self._start = 0.0, 0, 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds += time.process_time() - self._start
            self.full += info.get("generation") == 2

    def reset(self) -> None:
        self.seconds, self.full = 0.0, 0


GC = _GcClock()


def _run_once(project_dir: str, job: dict) -> tuple[float, float, float, int, object]:
    """One program run on a fresh mock runtime: wall s, CPU s, GC CPU s, full GCs, the resources."""
    import runpy

    from plan.runtime import MockRuntime

    GC.reset()
    start, cpu = time.perf_counter(), time.process_time()
    runtime = MockRuntime(
        stack=job.get("stack", "dev"), config=job["config"], secret_keys=job.get("secret_keys", [])
    )
    with runtime as rt:
        rt.run(lambda: runpy.run_path(os.path.join(project_dir, "__main__.py"), run_name="__main__"))
        resources = rt.resources
    return time.perf_counter() - start, time.process_time() - cpu, GC.seconds, GC.full, resources


def program(job: dict) -> dict:
    project_dir = job["project_dir"]
    if project_dir not in sys.path:
        sys.path.insert(0, project_dir)
    before = set(sys.modules)
    run_seconds, _, _, _, resources = _run_once(project_dir, job)
    elapsed, cpu = time.perf_counter() - _T0, _cpu_s()
    rss = _rss_kb()
    loaded = set(sys.modules) - before
    warm = [_run_once(project_dir, job)[:4] for _ in range(int(job.get("warm", 0)))]

    from bench.durations import INPUT_DEPENDENT

    graph = [
        {
            "urn": r.urn,
            "type": r.type,
            "custom": r.custom,
            "parent": r.parent,
            "provider": r.provider_urn,
            "dependencies": sorted(
                set(r.dependencies) | {u for urns in r.property_dependencies.values() for u in urns}
            ),
            "inputs": r.inputs if r.type in INPUT_DEPENDENT else {},
        }
        for r in resources  # type: ignore[attr-defined]
    ]
    return {
        "seconds": elapsed,
        "cpu_s": cpu,
        "run_seconds": run_seconds,
        "rss_kb": rss,
        "warm_seconds": [w[0] for w in warm],
        "warm_cpu_s": [w[1] for w in warm],
        "warm_gc_s": [w[2] for w in warm],
        "warm_full_gcs": [w[3] for w in warm],
        "resources": len(graph),
        "custom": sum(1 for g in graph if g["custom"]),
        "sdk_modules": [m for m in _executed(loaded) if m.startswith(SDK_PREFIXES)],
        "top_level": _top_level(set(sys.modules)),
        "graph": graph,
    }


def main() -> None:
    job = json.loads(sys.argv[1])
    try:
        result = {"floor": floor, "program": program}[job["kind"]](job)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the bench
        import traceback

        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0 if "error" not in result else 1)


if __name__ == "__main__":
    main()
