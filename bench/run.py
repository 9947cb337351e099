"""The bench: runs the measured children, checks the targets, prints one table.

Exit status 0 when every target is met, 1 when one is missed, 2 on a broken run.
Timings are medians over ``--runs`` fresh processes; every ratio compares figures
taken in the same bench run, program and floor alternating so drift hits both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import durations, scenarios, stats
from bench.graph import Node, critical_path

PROJECT_DIR = Path(__file__).resolve().parent.parent
MARKER = "BENCH-RESULT "
SECTIONS = ("cost", "scaling", "path", "failover")

COST_TARGET = 1.5  # program within 1.5x of the floor (time and peak memory)
PATH_TARGET = 1.05  # Aurora critical path, 6 regions vs 2
COUNT_TOLERANCE = 1.02  # resource count: later per-item slope within 2% of the first
TIME_TOLERANCE = 1.5  # program time: later per-item slope at most 1.5x the first ...
TIME_NOISE_S = 0.002  # ... plus 2 ms per item of timer noise


class BenchError(RuntimeError):
    """A child failed: the bench cannot say anything about the targets."""


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def out(self, line: str = "") -> None:
        self.lines.append(line)
        print(line, flush=True)

    def check(self, name: str, ok: bool, detail: str) -> str:
        self.checks.append(Check(name, ok, detail))
        return "ok" if ok else "MISSED"


# -- children ------------------------------------------------------------------------------


def run_child(job: dict[str, Any], timeout: float = 600) -> tuple[float, dict[str, Any]]:
    """Run one measured process; return (wall seconds seen from here, its result)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_DIR), env.get("PYTHONPATH", "")) if p)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.child", json.dumps(job)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - start
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise BenchError(
            f"child {job['kind']} printed no result (exit {proc.returncode}):\n" + proc.stderr[-3000:]
        )
    result = json.loads(lines[-1][len(MARKER) :])
    if "error" in result:
        raise BenchError(f"child {job['kind']} failed: {result['error']}\n{proc.stderr[-3000:]}")
    return wall, result


def program_job(values: dict[str, Any], secret_keys: list[str], warm: int = 0) -> dict[str, Any]:
    return {
        "kind": "program",
        "project_dir": str(PROJECT_DIR),
        "stack": "dev",
        "config": values,
        "secret_keys": secret_keys,
        "warm": warm,
    }


def nodes_of(graph: list[dict[str, Any]]) -> list[Node]:
    return [
        Node(
            g["urn"],
            g["type"],
            g["custom"],
            tuple(g["dependencies"]),
            g["parent"] or "",
            g["provider"] or "",
            g.get("inputs") or {},
        )
        for g in graph
    ]


# -- formatting ------------------------------------------------------------------------------


def table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    last = len(widths) - 1
    fmt = "  ".join(
        f"{{:{'<' if i in (0, last) else '>'}{w if i != last else ''}}}" for i, w in enumerate(widths)
    )
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*r) for r in rows]
    return out


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f}"


def short(token: str) -> str:
    """``aws:rds/cluster:Cluster`` -> ``rds.Cluster``."""
    parts = token.split(":")
    if len(parts) < 3:
        return token
    module = parts[1].split("/")[0]
    return f"{parts[0] if module in ('index', '') else module}.{parts[2]}"


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load": [round(x, 2) for x in os.getloadavg()],
    }


# -- 1. program cost --------------------------------------------------------------------------


def section_cost(
    rep: Report,
    values: dict[str, Any],
    secret_keys: list[str],
    runs: int,
    graphs: dict[str, list[dict[str, Any]]],
) -> None:
    names: list[str | None] = [*scenarios.ALLOWED_CLOUDS, None]
    samples: dict[str, dict[str, list[float]]] = {}
    info: dict[str, dict[str, Any]] = {}
    for _ in range(runs):
        for scenario in names:
            label = scenario or scenarios.DEV
            s = samples.setdefault(label, {k: [] for k in ("p", "f", "pm", "fm", "r", "rm", "rc")})
            wall, res = run_child(program_job(scenarios.only(values, scenario), secret_keys))
            fwall, fres = run_child({"kind": "floor", "modules": res["sdk_modules"]})
            s["p"].append(wall)
            s["f"].append(fwall)
            s["pm"].append(res["rss_kb"] / 1024)
            s["fm"].append(fres["rss_kb"] / 1024)
            s["r"].append(wall / fwall)
            s["rm"].append(res["rss_kb"] / fres["rss_kb"])
            s["rc"].append(res["cpu_s"] / fres["cpu_s"])
            if label not in info:
                graphs[label] = res.pop("graph")
                info[label] = {
                    "resources": res["resources"],
                    "sdk": res["sdk_modules"],
                    "beyond_floor": sorted(set(res["top_level"]) - set(fres["top_level"])),
                }
    rows = []
    for scenario in names:
        label = scenario or scenarios.DEV
        s, meta = samples[label], info[label]
        packages = sorted({m.split(".", 1)[0] for m in meta["sdk"]})
        allowed = (
            frozenset().union(*scenarios.ALLOWED_CLOUDS.values())
            if scenario is None
            else scenarios.ALLOWED_CLOUDS[scenario]
        )
        foreign = [p for p in packages if p in scenarios.CLOUD_SDKS and p not in allowed]
        t_ratio, m_ratio = stats.median(s["r"]), stats.median(s["rm"])
        ok_t = rep.check(f"cost time {label}", t_ratio <= COST_TARGET, f"{t_ratio:.2f}x floor")
        ok_m = rep.check(f"cost memory {label}", m_ratio <= COST_TARGET, f"{m_ratio:.2f}x floor")
        ok_c = rep.check(
            f"SDK isolation {label}",
            not foreign,
            "loads " + ", ".join(foreign) if foreign else "only its own clouds",
        )
        rows.append(
            [
                label,
                str(meta["resources"]),
                f"{stats.median(s['p']):.2f}",
                f"{stats.median(s['f']):.2f}",
                f"{t_ratio:.2f} {ok_t}",
                f"{stats.median(s['rc']):.2f}",
                f"{stats.median(s['pm']):.0f}",
                f"{stats.median(s['fm']):.0f}",
                f"{m_ratio:.2f} {ok_m}",
                ",".join(p.removeprefix("pulumi_") for p in packages) + ("" if ok_c == "ok" else " MISSED"),
            ]
        )
        rep.data.setdefault("cost", {})[label] = {**s, **meta}
    rep.out(
        f"1. Program cost: fresh process on the mock runtime vs the floor (same SDK modules, pulumi "
        f"and the mock runtime imported, nothing registered); median of {runs}; target: time and memory "
        f"ratio <= {COST_TARGET} (ratios are medians of program/floor pairs run back to back; "
        "cpu ratio = user+sys CPU, for reference on a busy machine)"
    )
    for line in table(
        rows,
        [
            "scenario",
            "res",
            "prog s",
            "floor s",
            "time ratio",
            "cpu ratio",
            "prog MB",
            "floor MB",
            "mem ratio",
            "SDKs loaded (pulumi_*)",
        ],
    ):
        rep.out("   " + line)
    extra = sorted({m for meta in info.values() for m in meta["beyond_floor"]})
    rep.out("   modules the program loads beyond the floor: " + ", ".join(extra))
    rep.out()


# -- 2. scaling ---------------------------------------------------------------------------------


def section_scaling(
    rep: Report,
    values: dict[str, Any],
    secret_keys: list[str],
    runs: int,
    warm: int,
    graphs: dict[str, list[dict[str, Any]]],
) -> None:
    rows = []
    for sweep in scenarios.SWEEPS:
        counts, cold, warm_t, warm_wall, own, gc_s, gc_n = [], [], [], [], [], [], []
        for size in sweep.sizes:
            walls, cpus, warm_walls, owns, gcs, fulls, res = [], [], [], [], [], [], {}
            for _ in range(runs):
                wall, res = run_child(program_job(sweep.make(values, size), secret_keys, warm=warm))
                walls.append(wall)
                cpus.extend(res["warm_cpu_s"])
                warm_walls.extend(res["warm_seconds"])
                gcs.extend(res["warm_gc_s"])
                fulls.extend(res["warm_full_gcs"])
                owns.extend(c - g for c, g in zip(res["warm_cpu_s"], res["warm_gc_s"], strict=True))
            graphs[f"{sweep.label} {size}"] = res["graph"]
            counts.append(res["resources"])
            cold.append(stats.median(walls))
            warm_t.append(stats.median(cpus))
            warm_wall.append(stats.median(warm_walls))
            own.append(stats.median(owns))
            gc_s.append(stats.median(gcs))
            gc_n.append(stats.median(fulls))
        xs = [float(x) for x in sweep.sizes]
        c_line, w_line, k_line = stats.fit(xs, counts), stats.fit(xs, own), stats.fit(xs, cold)
        t_line, g_line = stats.fit(xs, warm_t), stats.fit(xs, gc_s)
        c_seg, w_seg = stats.segment_slopes(xs, counts), stats.segment_slopes(xs, own)
        t_seg = stats.segment_slopes(xs, warm_t)
        c_ok = stats.linear(xs, counts, COUNT_TOLERANCE) and min(c_seg) >= max(c_seg) / COUNT_TOLERANCE
        w_ok = stats.linear(xs, own, TIME_TOLERANCE, TIME_NOISE_S)
        c_mark = rep.check(f"linear count {sweep.label}", c_ok, f"segment slopes {c_seg}")
        w_mark = rep.check(
            f"linear time {sweep.label}",
            w_ok,
            "segment slopes " + ", ".join(f"{s * 1000:.1f} ms" for s in w_seg),
        )
        rows.append(
            [
                sweep.label,
                "/".join(map(str, sweep.sizes)),
                "/".join(map(str, counts)),
                f"{c_line.slope:.2f} {c_mark}",
                "/".join(f"{t:.2f}" for t in cold),
                f"{k_line.slope * 1000:.0f}",
                "/".join(f"{t:.2f}" for t in warm_wall),
                "/".join(f"{t:.2f}" for t in warm_t),
                f"{t_line.slope * 1000:.1f}",
                " / ".join(f"{s * 1000:.1f}" for s in t_seg),
                "/".join(f"{t:.2f}" for t in gc_s) + " (" + "/".join(f"{n:g}" for n in gc_n) + ")",
                f"{w_line.slope * 1000:.1f} {w_mark}",
                " / ".join(f"{s * 1000:.1f}" for s in w_seg),
            ]
        )
        rep.data.setdefault("scaling", {})[sweep.label] = {
            "sizes": sweep.sizes,
            "resources": counts,
            "cold_s": cold,
            "warm_s": warm_wall,
            "warm_cpu_s": warm_t,
            "warm_gc_s": gc_s,
            "warm_full_gcs": gc_n,
            "warm_cpu_excl_gc_s": own,
            "cpu_slope_s": t_line.slope,
            "gc_slope_s": g_line.slope,
            "count_slope": c_line.slope,
            "warm_slope_s": w_line.slope,
            "cold_slope_s": k_line.slope,
        }
    rep.out(
        f"2. Scaling: resources and program time per size (cold = fresh process, wall, median of {runs}; "
        f"warm = the program again in the same process, median of {runs * warm}: wall, CPU, CPU in "
        "CPython's cyclic GC with the number of full collections, and CPU without GC); per-item slope "
        "by least squares; linear = no later segment steeper than the first, judged on warm CPU without "
        "GC, which neither other load on the machine nor GC timing steps inflate "
        f"(count: within {COUNT_TOLERANCE - 1:.0%}; "
        f"time: {TIME_TOLERANCE}x + {TIME_NOISE_S * 1000:.0f} ms)"
    )
    for line in table(
        rows,
        [
            "sweep",
            "sizes",
            "resources",
            "res/item",
            "cold s",
            "ms/item",
            "warm s",
            "cpu s",
            "ms/item",
            "segments",
            "gc s (full)",
            "cpu-gc ms/item",
            "segments",
        ],
    ):
        rep.out("   " + line)
    notes = [f"{s.label}: {s.note}" for s in scenarios.SWEEPS if s.note]
    if notes:
        rep.out("   " + "; ".join(notes))
    rep.out(
        "   gc: a full collection walks every object, most of them the SDK classes imported "
        "(~200k objects), so its count steps up with size; see the README"
    )
    rep.out()


# -- 3. critical path ---------------------------------------------------------------------------


def section_path(
    rep: Report, values: dict[str, Any], secret_keys: list[str], graphs: dict[str, list[dict[str, Any]]]
) -> None:
    wanted = [
        *scenarios.ALLOWED_CLOUDS,
        scenarios.DEV,
        *(f"aurora regions {n}" for n in (2, 6, 11)),
        *(f"kafka brokers {n}" for n in (3, 12, 48)),
    ]
    for label in wanted:
        if label not in graphs:  # the cost/scaling sections were skipped: one run for the graph
            if label.startswith("aurora regions"):
                cfg = scenarios.regions(values, int(label.rsplit(" ", 1)[1]))
            elif label.startswith("kafka brokers"):
                cfg = scenarios.brokers(values, int(label.rsplit(" ", 1)[1]))
            else:
                cfg = scenarios.only(values, None if label == scenarios.DEV else label)
            graphs[label] = run_child(program_job(cfg, secret_keys))[1]["graph"]
    unknown = sorted(
        {
            g["type"]
            for graph in graphs.values()
            for g in graph
            if g["custom"]
            and not g["type"].startswith("pulumi:providers:")
            and g["type"] not in durations.TABLE
            and g["type"] not in durations.INPUT_DEPENDENT
        }
    )
    rep.check("durations table covers every type", not unknown, ", ".join(unknown) or "complete")
    if unknown:
        rep.out("3. Critical path: MISSED: no creation time for " + ", ".join(unknown))
        return
    rows, results = [], {}
    for label in wanted:
        cp = critical_path(nodes_of(graphs[label]), lambda n: durations.lookup(n.type, n.inputs).seconds)
        by_urn = {g["urn"]: g for g in graphs[label]}
        chain = []
        for urn in cp.path:
            node = by_urn[urn]
            seconds = durations.lookup(node["type"], node.get("inputs")).seconds
            if node["custom"] and seconds > 0:
                chain.append(
                    f"{short(node['type'])} {seconds / 60:.0f}m"
                    if seconds >= 60
                    else f"{short(node['type'])} {seconds:.0f}s"
                )
        results[label] = cp
        rows.append(
            [
                label,
                str(len(graphs[label])),
                minutes(cp.length),
                minutes(cp.total),
                f"{cp.total / cp.length:.1f}x" if cp.length else "-",
                " > ".join(chain),
            ]
        )
        rep.data.setdefault("path", {})[label] = {
            "critical_s": cp.length,
            "sequential_s": cp.total,
            "chain": chain,
        }
    two, six = results["aurora regions 2"].length, results["aurora regions 6"].length
    ratio = six / two if two else float("inf")
    mark = rep.check("Aurora critical path 6 vs 2 regions", ratio <= PATH_TARGET, f"{ratio:.3f}")
    rep.out(
        "3. Deploy critical path (unlimited parallelism) vs the sequential runbook (sum of every step); "
        "creation times from bench/durations.py"
    )
    for line in table(rows, ["graph", "res", "critical min", "runbook min", "speedup", "critical chain"]):
        rep.out("   " + line)
    rep.out(f"   Aurora 6 regions / 2 regions critical path: {ratio:.3f} (target <= {PATH_TARGET}) {mark}")
    kinds: dict[str, int] = {}
    for d in durations.TABLE.values():
        kinds[d.kind] = kinds.get(d.kind, 0) + 1
    rep.out(
        "   durations: "
        + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items()))
        + " (each with its source in bench/durations.py)"
    )
    rep.out()


# -- 4. failover DNS ----------------------------------------------------------------------------


def section_failover(rep: Report, events: int) -> None:
    from bench.failover import measure

    try:
        result = measure(events)
    except AssertionError as exc:  # the handler did not move the CNAME: a missed target, not a crash
        rep.check("failover events all applied", False, str(exc))
        rep.out(f"4. Failover DNS: MISSED: {exc}")
        return
    entry, reused = stats.median(result.entry_point_ms), stats.median(result.reused_clients_ms)
    rep.out(
        f"4. Failover DNS: event -> CNAME written, Aurora handler against moto (2 regions), "
        f"median of {events} events each"
    )
    rows = [
        [
            "handler.handler (Lambda entry, new boto3 clients)",
            f"{entry:.1f}",
            f"{min(result.entry_point_ms):.1f}",
            f"{max(result.entry_point_ms):.1f}",
        ],
        [
            "handler.sync (clients reused)",
            f"{reused:.1f}",
            f"{min(result.reused_clients_ms):.1f}",
            f"{max(result.reused_clients_ms):.1f}",
        ],
    ]
    lost = stats.median(result.reconcile_ms)
    rows.append(
        [
            "handler.handler on a schedule tick (event lost)",
            f"{lost:.1f}",
            f"{min(result.reconcile_ms):.1f}",
            f"{max(result.reconcile_ms):.1f}",
        ]
    )
    for line in table(rows, ["path", "median ms", "min ms", "max ms"]):
        rep.out("   " + line)
    period = result.reconcile_period_s
    worst_event_s = max(result.entry_point_ms) / 1000
    worst_lost_s = period + max(result.reconcile_ms) / 1000
    rep.out("   CNAME staleness after the writer moved (handler time measured; period from the config):")
    staleness = [
        ["event delivered", f"{entry / 1000:.3f}", f"{worst_event_s:.3f}"],
        [
            f"event lost, reconcile every {period:.0f} s",
            f"{period / 2 + lost / 1000:.3f}",
            f"{worst_lost_s:.3f}",
        ],
    ]
    for line in table(staleness, ["path", "typical s", "worst case s"]):
        rep.out("   " + line)
    rep.out(
        "   every event and every reconcile moved the CNAME to the new writer (checked); not in moto: "
        "EventBridge delivery, Lambda cold start, Route 53 propagation (<= 60 s) and the record TTL"
    )
    rep.check("failover events all applied", True, f"{2 * events} events")
    bounded = max(result.reconcile_ms) / 1000 < period
    verdict = rep.check("lost event bounded by the reconcile period", bounded, f"{worst_lost_s:.3f} s")
    rep.out(
        f"   lost event bounded by the reconcile period: worst {worst_lost_s:.3f} s "
        f"<= {period:.0f} s + one run: {verdict}"
    )
    rep.data["failover"] = {
        "entry_point_ms": result.entry_point_ms,
        "reused_clients_ms": result.reused_clients_ms,
        "reconcile_ms": result.reconcile_ms,
        "reconcile_period_s": period,
        "worst_case_staleness_event_s": worst_event_s,
        "worst_case_staleness_lost_event_s": worst_lost_s,
    }
    rep.out()


# -- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per measurement [3]")
    parser.add_argument("--warm", type=int, default=2, help="warm program runs per scaling process [2]")
    parser.add_argument("--events", type=int, default=15, help="failover events per path [15]")
    parser.add_argument("--quick", action="store_true", help="one run each, fewer events (a smoke check)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.warm, args.events = 1, 1, 5
    if args.runs < 1 or args.warm < 1 or args.events < 1:
        parser.error("--runs, --warm and --events must be at least 1")
    sections = args.only or list(SECTIONS)

    sys.path.insert(0, str(PROJECT_DIR))
    from plan import config as stack_config

    cfg = stack_config.load("dev", PROJECT_DIR)
    rep = Report()
    host = machine()
    rep.data["machine"] = host
    started = time.perf_counter()
    rep.out(
        f"crossnet bench: {host['cpus']} CPUs ({host['cpu']}), Python {host['python']}, "
        f"load {host['load'][0]}; runs={args.runs} warm={args.warm} events={args.events}"
    )
    rep.out()
    graphs: dict[str, list[dict[str, Any]]] = {}
    try:
        if "cost" in sections:
            section_cost(rep, cfg.values, cfg.secret_keys, args.runs, graphs)
        if "scaling" in sections:
            section_scaling(rep, cfg.values, cfg.secret_keys, args.runs, args.warm, graphs)
        if "path" in sections:
            section_path(rep, cfg.values, cfg.secret_keys, graphs)
        if "failover" in sections:
            section_failover(rep, args.events)
    except (BenchError, subprocess.TimeoutExpired) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    missed = [c for c in rep.checks if not c.ok]
    summary = (
        f"targets: {len(rep.checks) - len(missed)}/{len(rep.checks)} met in "
        f"{time.perf_counter() - started:.0f} s"
    )
    if missed:
        summary += "; MISSED: " + "; ".join(f"{c.name} ({c.detail})" for c in missed)
    rep.out(summary)
    if args.json:
        target = Path(args.json)
        target.parent.mkdir(parents=True, exist_ok=True)
        rep.data["checks"] = [c.__dict__ for c in rep.checks]
        target.write_text(json.dumps(rep.data, indent=2, default=list))
    return 1 if missed else 0
