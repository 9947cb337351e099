"""Promotion drill for a PostgresStandby: promote the standby, verify it takes writes, time each step.

    python -m components.gcp.standby.drill --project my-project --zone europe-west1-b \\
        --instance <the standby VM's name> [--forced] [--wait 60]

It runs the rendered promotion script on the VM as root, over ``gcloud compute ssh
--tunnel-through-iap`` (the VM has no external IP; OS Login decides who may). Steps:

1. ``state``: the standby's WAL receiver (streaming?), its slot, bytes received but not
   replayed, the age of the last replayed transaction.
2. ``caught-up`` (planned, the default): waits until the standby has replayed everything the
   primary sent; stop the application's writes on the primary first. Refused when the standby
   is not streaming: with the primary gone, use ``--forced`` (what it had not sent is lost).
3. ``promote``: ``pg_promote``; 4. ``write``: a write transaction commits.

Prints one line per step with its duration, then what to change next; exits 0 on success,
2 on a refusal, 1 on a failure.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from . import render

STEP = re.compile(r"^crossnet-drill step=(?P<name>\S+) seconds=(?P<seconds>[0-9.]+) (?P<detail>.*)$")

Runner = Callable[[str], "subprocess.CompletedProcess[str]"]
"""Runs a script as root on the standby; returns its exit code and output."""


@dataclass(frozen=True)
class Step:
    name: str
    seconds: float
    detail: str


@dataclass(frozen=True)
class Outcome:
    code: int
    steps: tuple[Step, ...]

    @property
    def promoted(self) -> bool:
        return self.code == 0 and any(s.name == "promote" for s in self.steps)


NEXT_STEPS = """\
Next:
  1. Point the application at the promoted standby ({target}): its pg_hba admits allowed_cidrs
     over TLS (hostssl, scram-sha-256); update DNS or the connection strings.
  2. Keep the old primary from coming back as a primary (stop it, or fence it off the network):
     two primaries on diverging timelines lose writes.
  3. Rejoin the old primary as a standby of the new one:
     - pg_rewind --target-pgdata=<its data> --source-server='host={target} user=postgres ...'
       (needs wal_log_hints=on or data checksums on the old primary; run it while it is stopped), or
     - a fresh clone: pg_basebackup -R -X stream -C -S <slot> -d 'host={target} ...' into an empty
       data directory.
  4. Failback (optional, planned): once the old primary streams from the new one, run this drill
     the other way (promote it), then rebuild this VM as a standby: remove its clone marker
     (/var/lib/crossnet-pg/<version>/crossnet-cloned) and its data, or replace its data disk.
  5. Drop the replication slot this standby used on the old primary once that one is rebuilt.
"""


def run_drill(runner: Runner, *, forced: bool, wait_seconds: int, out: TextIO) -> Outcome:
    """Runs the promotion script through ``runner`` and reports each step as it parses."""
    result = runner(render.promote_script(forced=forced, wait_seconds=wait_seconds))
    steps = []
    for line in result.stdout.splitlines():
        match = STEP.match(line.strip())
        if match:
            step = Step(match["name"], float(match["seconds"]), match["detail"])
            steps.append(step)
            print(f"{step.name:<10} {step.seconds:8.2f}s  {step.detail}", file=out)
    if result.returncode != 0 and result.stderr.strip():
        print(result.stderr.strip(), file=out)
    return Outcome(result.returncode, tuple(steps))


def gcloud_runner(project: str, zone: str, instance: str) -> Runner:
    command = [
        "gcloud",
        "compute",
        "ssh",
        instance,
        f"--project={project}",
        f"--zone={zone}",
        "--tunnel-through-iap",
        "--command=sudo bash -s",
    ]

    def run(script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, input=script, capture_output=True, text=True, check=False)

    return run


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m components.gcp.standby.drill",
        description="Promote a crossnet PostgresStandby and verify it takes writes.",
    )
    parser.add_argument("--project", required=True)
    parser.add_argument("--zone", required=True)
    parser.add_argument("--instance", required=True, help="the standby VM's name (pulumi stack output)")
    parser.add_argument(
        "--forced", action="store_true", help="the primary is gone: promote without waiting to catch up"
    )
    parser.add_argument(
        "--wait", type=int, default=render.DRILL_WAIT_SECONDS, help="seconds to catch up [60]"
    )
    parser.add_argument("--target", default="<the standby's address>", help="printed in the next steps")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, runner: Runner | None = None, out: TextIO = sys.stdout) -> int:
    args = parse_args(argv)
    run = runner or gcloud_runner(args.project, args.zone, args.instance)
    outcome = run_drill(run, forced=args.forced, wait_seconds=args.wait, out=out)
    if outcome.promoted:
        print(NEXT_STEPS.format(target=args.target), file=out)
    return outcome.code


if __name__ == "__main__":
    sys.exit(main())
