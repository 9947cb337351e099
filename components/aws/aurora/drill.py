"""Failover drill for an AuroraGlobalDb: move the writer to a named region and time each step.

    python -m components.aws.aurora.drill --global-cluster-id kc-global --to-region eu-west-1 \\
        --zone-id Z0123456789ABC --record-name kc-global.aurora-global.example.com [--failover]

Steps, each bounded by ``--timeout`` seconds:

1. ``request``: ``SwitchoverGlobalCluster`` (planned, no data loss; the default) or, with
   ``--failover``, ``FailoverGlobalCluster`` with ``AllowDataLoss`` (the primary region is gone).
2. ``writer-moved``: the target region's cluster is the global cluster's writer member.
3. ``writer-available``: that cluster is ``available`` with a writer endpoint.
4. ``dns``: the CNAME targets the new writer's endpoint (``failover-lambda`` mode), or Aurora's
   global writer endpoint (``global-writer-endpoint`` mode, which Aurora itself moves).
5. ``global-endpoint`` (``global-writer-endpoint`` mode only): the global writer endpoint resolves
   to the same addresses as the new writer's cluster endpoint, i.e. Aurora moved it.

Prints one line per step with its duration; exits 0 on success, 2 on a timeout or a refusal.

Switch back before ``pulumi destroy`` (the writer must be in the first region, see
``check_teardown``)::

    python -m components.aws.aurora.drill ... --check-teardown us-west-2   # exit 3: prints the command
    python -m components.aws.aurora.drill ... --to-region us-west-2        # the switch back
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from .handler import (
    WriterNotReadyError,
    current_target,
    describe_global,
    member_arns,
    normalize,
    region_of,
)

ClientFor = Callable[[str, str | None], Any]  # (service, region) -> boto3 client


class DrillError(RuntimeError):
    """The drill could not start or a step did not finish in time."""


def resolve_addresses(host: str) -> set[str]:
    """The addresses ``host`` resolves to now (the system resolver), or none."""
    import socket

    try:
        return {str(info[4][0]) for info in socket.getaddrinfo(host, 5432, proto=socket.IPPROTO_TCP)}
    except OSError:
        return set()


class TeardownRefusedError(DrillError):
    """The writer is not in the first region: `pulumi destroy` would fail half-way."""


def writer_arn(global_cluster: dict[str, Any]) -> str | None:
    """The writer member's cluster ARN, from the global cluster's description alone."""
    writers = [m["DBClusterArn"] for m in global_cluster.get("GlobalClusterMembers", []) if m.get("IsWriter")]
    return writers[0] if len(writers) == 1 else None


def check_teardown(rds: Any, global_cluster_id: str, first_region: str, command: str) -> str:
    """Refuse a teardown unless the writer is in ``first_region`` (the component's primary).

    `pulumi destroy` deletes the secondaries' instances first; when one of them is the writer (after a
    switchover or failover) RDS refuses "Cannot delete the last instance of the master cluster" and
    the stack is left half-deleted (terraform-provider-aws #26234, #29147). ``command`` is the exact
    switch-back command to print. Returns the writer's ARN when teardown is safe.
    """
    global_cluster = describe_global(rds, global_cluster_id)
    writer = writer_arn(global_cluster)
    if writer is None or region_of(writer) != first_region:
        where = region_of(writer) if writer else "no region"
        raise TeardownRefusedError(
            f"the writer of {global_cluster_id} is in {where}, not in the first region {first_region}: "
            f"`pulumi destroy` would fail half-way. Switch back first:\n  {command}"
        )
    return writer


@dataclass(frozen=True)
class Step:
    name: str
    seconds: float
    detail: str


@dataclass
class Drill:
    client_for: ClientFor
    global_cluster_id: str
    to_region: str
    zone_id: str
    record_name: str
    failover: bool = False
    timeout: float = 1800.0
    poll: float = 10.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    out: TextIO = sys.stdout
    resolve: Callable[[str], set[str]] = field(default=lambda host: resolve_addresses(host))

    def rds(self, region: str) -> Any:
        return self.client_for("rds", region)

    def run(self) -> list[Step]:
        steps: list[Step] = []
        started = self.clock()
        target_arn = self._request()
        steps.append(
            self._done(
                "request",
                started,
                ("failover (AllowDataLoss)" if self.failover else "switchover (planned)")
                + f" to {target_arn}",
            )
        )
        t = self.clock()
        self._wait("writer-moved", lambda: self._writer_is(target_arn))
        steps.append(self._done("writer-moved", t, f"writer is {target_arn}"))
        t = self.clock()
        endpoint = self._wait("writer-available", lambda: self._available_endpoint(target_arn))
        steps.append(self._done("writer-available", t, f"writer endpoint {endpoint}"))
        t = self.clock()
        global_endpoint = describe_global(self.rds(self.to_region), self.global_cluster_id).get("Endpoint")
        wanted = {normalize(endpoint)} | ({normalize(global_endpoint)} if global_endpoint else set())
        cname = self._wait("dns", lambda: self._cname_in(wanted))
        steps.append(self._done("dns", t, f"{self.record_name} -> {cname}"))
        if global_endpoint and cname == normalize(global_endpoint):
            # global-writer-endpoint mode: the CNAME never changes, so it proves nothing; Aurora moves
            # its global writer endpoint itself. Wait until it resolves to the new writer.
            t = self.clock()
            self._wait("global-endpoint", lambda: self._resolves_alike(global_endpoint, endpoint))
            steps.append(self._done("global-endpoint", t, f"{global_endpoint} resolves as {endpoint}"))
        self._print(f"{'total':<17} {self.clock() - started:8.1f}s")
        return steps

    # -- steps

    def _request(self) -> str:
        rds = self.rds(self.to_region)
        global_cluster = describe_global(rds, self.global_cluster_id)
        targets = [a for a in member_arns(global_cluster) if region_of(a) == self.to_region]
        if not targets:
            regions = sorted({region_of(a) for a in member_arns(global_cluster)})
            raise DrillError(
                f"{self.global_cluster_id} has no member in {self.to_region}; "
                f"members are in: {', '.join(regions)}"
            )
        target = targets[0]
        # The writer comes from the global cluster's own description, read in the target region: the
        # old primary's region is never called (with --failover it is the region that is down).
        if writer_arn(global_cluster) == target:
            raise DrillError(f"{target} is already the writer; pick another region")
        if self.failover:
            rds.failover_global_cluster(
                GlobalClusterIdentifier=self.global_cluster_id,
                TargetDbClusterIdentifier=target,
                AllowDataLoss=True,
            )
        else:
            rds.switchover_global_cluster(
                GlobalClusterIdentifier=self.global_cluster_id, TargetDbClusterIdentifier=target
            )
        return target

    def _writer_is(self, target_arn: str) -> tuple[bool, str]:
        members = describe_global(self.rds(self.to_region), self.global_cluster_id).get(
            "GlobalClusterMembers", []
        )
        writers = [m["DBClusterArn"] for m in members if m.get("IsWriter")]
        return writers == [target_arn], f"writer members: {writers or 'none'}"

    def _available_endpoint(self, target_arn: str) -> tuple[str | None, str]:
        found = self.rds(region_of(target_arn)).describe_db_clusters(DBClusterIdentifier=target_arn)
        cluster = (found.get("DBClusters") or [{}])[0]
        status, endpoint = cluster.get("Status"), cluster.get("Endpoint")
        ready = endpoint if status == "available" and endpoint else None
        return ready, f"status {status!r}, endpoint {endpoint!r}"

    def _resolves_alike(self, global_endpoint: str, writer_endpoint: str) -> tuple[bool, str]:
        got, want = self.resolve(global_endpoint), self.resolve(writer_endpoint)
        state = f"{global_endpoint} -> {sorted(got) or 'nothing'}, writer {writer_endpoint} -> {sorted(want)}"
        return bool(got) and got == want, state

    def _cname_in(self, wanted: set[str]) -> tuple[str | None, str]:
        value = current_target(self.client_for("route53", None), self.zone_id, normalize(self.record_name))
        state = f"CNAME is {value!r}, waiting for one of {sorted(wanted)}"
        return (value if value in wanted else None), state

    # -- plumbing

    def _wait(self, step: str, check: Callable[[], tuple[Any, str]]) -> Any:
        deadline = self.clock() + self.timeout
        while True:
            value, state = check()
            if value:
                return value
            if self.clock() >= deadline:
                raise DrillError(f"step {step!r} not done after {self.timeout:.0f}s; last seen: {state}")
            self.sleep(self.poll)

    def _done(self, name: str, since: float, detail: str) -> Step:
        step = Step(name, self.clock() - since, detail)
        self._print(f"{name:<17} {step.seconds:8.1f}s  {detail}")
        return step

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m components.aws.aurora.drill",
        description="Move an Aurora global database's writer and time it.",
    )
    parser.add_argument("--global-cluster-id", required=True)
    parser.add_argument("--to-region", help="region whose cluster becomes the writer")
    teardown_help = (
        "before `pulumi destroy`: exit 3 with the switch-back command unless the writer is in "
        "FIRST_REGION (the first of the component's regions)"
    )
    parser.add_argument("--check-teardown", metavar="FIRST_REGION", help=teardown_help)
    parser.add_argument("--zone-id", required=True, help="Route53 hosted zone id of the CNAME")
    parser.add_argument("--record-name", required=True, help="the CNAME, e.g. <id>.aurora-global.<zone>")
    parser.add_argument(
        "--failover",
        action="store_true",
        help="FailoverGlobalCluster with AllowDataLoss instead of a planned switchover",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per step [1800]")
    parser.add_argument("--poll", type=float, default=10.0, help="seconds between checks [10]")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, client_for: ClientFor | None = None) -> int:
    args = parse_args(argv)
    from botocore.exceptions import BotoCoreError, ClientError

    if bool(args.to_region) == bool(args.check_teardown):
        print("drill failed: give exactly one of --to-region and --check-teardown", file=sys.stderr)
        return 2
    if client_for is None:
        import boto3

        def aws_client(service: str, region: str | None) -> Any:
            return boto3.client(service, region_name=region) if region else boto3.client(service)

        client_for = aws_client

    drill = Drill(
        client_for,
        args.global_cluster_id,
        args.to_region or args.check_teardown,
        args.zone_id,
        args.record_name,
        failover=args.failover,
        timeout=args.timeout,
        poll=args.poll,
    )
    try:
        if args.check_teardown:
            first = args.check_teardown
            command = (
                f"python -m components.aws.aurora.drill --global-cluster-id {args.global_cluster_id} "
                f"--to-region {first} --zone-id {args.zone_id} --record-name {args.record_name}"
            )
            writer = check_teardown(drill.rds(first), args.global_cluster_id, first, command)
            print(f"teardown safe: the writer {writer} is in {first}")
        else:
            drill.run()
    except TeardownRefusedError as err:
        print(f"teardown refused: {err}", file=sys.stderr)
        return 3
    except (DrillError, WriterNotReadyError, LookupError, ClientError, BotoCoreError) as err:
        print(f"drill failed: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
