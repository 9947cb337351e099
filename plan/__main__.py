"""``python -m plan [STACK]``: the offline plan of a stack, without a cloud account.

python -m plan dev                       # tree of what `pulumi up` would create
python -m plan dev --json out/dev.json   # also write the plan as JSON
python -m plan dev --mermaid out/dev.mmd # also draw it as a Mermaid flowchart
python -m plan dev --full                # every input, whole values (boot scripts, ARNs)
python -m plan dev --show NAME_OR_URN    # one resource's inputs in full
python -m plan dev --check               # what a real preview would refuse; exit 1 if mandatory
python -m plan prod --check --policy-config policy/production.json
python -m plan diff base.json head.json  # add / replace / update / delete between two JSON plans

The program, its Pulumi.yaml (project name, config namespace) and its Pulumi.<stack>.yaml
are read from --project-dir (default: the current directory when it has a Pulumi.yaml,
else this repository). Exit codes: 0 fine, 1 mandatory findings (--check), 2 bad config.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import config as stack_config
from . import render

PROJECT_DIR = Path(__file__).resolve().parent.parent


def default_project_dir() -> Path:
    """The current directory when it holds a Pulumi project, else this repository (when the tool
    runs from a checkout), else the current directory."""
    here = Path.cwd()
    if (here / "Pulumi.yaml").is_file() or (here / "Pulumi.yml").is_file():
        return here
    return PROJECT_DIR if (PROJECT_DIR / "Pulumi.yaml").is_file() else here


def _find_validation_error(exc: BaseException) -> BaseException | None:
    from ._lib import module

    validation_error = module("validation").ValidationError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, validation_error):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _write(path: str, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "diff":
        parser = argparse.ArgumentParser(prog="python -m plan diff")
        parser.add_argument("old")
        parser.add_argument("new")
        parser.add_argument("--json", action="store_true", help="print the diff as JSON")
        args = parser.parse_args(argv[1:])
        try:
            old = json.loads(Path(args.old).read_text())
            new = json.loads(Path(args.new).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            print(f"plan diff: cannot read plan: {exc}", file=sys.stderr)
            return 2
        result = render.diff(old, new)
        print(json.dumps(result, indent=2) if args.json else render.diff_text(result))
        return 0

    parser = argparse.ArgumentParser(
        prog="python -m plan", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("stack", nargs="?", default="dev")
    parser.add_argument("--config-file", help="a Pulumi.<stack>.yaml to read instead of the stack's own")
    parser.add_argument(
        "--project-dir",
        help="the Pulumi project to plan: its Pulumi.yaml, Pulumi.<stack>.yaml and program "
        "(default: the current directory if it has a Pulumi.yaml, else this repository)",
    )
    parser.add_argument("--json", metavar="FILE", help="write the plan as JSON ('-' for stdout only)")
    parser.add_argument("--mermaid", metavar="FILE", help="write a Mermaid flowchart of the plan")
    parser.add_argument("--deps", action="store_true", help="draw dependency edges in the Mermaid chart")
    parser.add_argument("--full", action="store_true", help="show every input and whole values")
    parser.add_argument("--show", metavar="NAME_OR_URN", help="print one resource's inputs in full")
    parser.add_argument(
        "--check",
        action="store_true",
        help="check names, regions, inputs (provider SDKs) and the policy pack; exit 1 on mandatory findings",
    )
    parser.add_argument(
        "--policy-config", metavar="FILE", help="policy levels for --check (e.g. policy/production.json)"
    )
    args = parser.parse_args(argv)

    project_dir = Path(args.project_dir) if args.project_dir else default_project_dir()
    levels = None
    if args.policy_config:
        from .check import PolicyConfigError, load_policy_levels

        try:
            levels = load_policy_levels(Path(args.policy_config))
        except PolicyConfigError as exc:
            print(f"plan: {exc}", file=sys.stderr)
            return 2
    try:
        cfg = stack_config.load(args.stack, project_dir, Path(args.config_file) if args.config_file else None)
    except stack_config.StackConfigError as exc:
        print(f"plan: {exc}", file=sys.stderr)
        return 2

    from .model import run_program

    try:
        doc = run_program(project_dir, cfg)
    except Exception as exc:
        found = _find_validation_error(exc)
        if found is None:
            raise
        print(f"plan: stack {args.stack!r} has invalid config ({cfg.path}):\n{found}", file=sys.stderr)
        return 2

    if args.json == "-":
        print(json.dumps(doc, indent=2, sort_keys=True))
        return 0
    if args.json:
        _write(args.json, json.dumps(doc, indent=2, sort_keys=True) + "\n")
    if args.mermaid:
        _write(args.mermaid, render.mermaid(doc, dependencies=args.deps) + "\n")
    if args.show:
        try:
            print(render.show(doc, args.show))
        except LookupError as exc:
            print(f"plan: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.check:
        from .check import report, run_checks

        findings = run_checks(doc, cfg.values, levels)
        print(report(findings))
        return 1 if any(f.level == "mandatory" for f in findings) else 0
    print(render.text(doc, full=args.full))
    return 0


def console(argv: list[str] | None = None) -> int:
    """The ``crossnet`` console script: ``crossnet plan [STACK] [options]`` (``crossnet plan --help``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "plan":
        print("usage: crossnet plan [STACK] [options]   (crossnet plan --help)", file=sys.stderr)
        return 2
    return main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
