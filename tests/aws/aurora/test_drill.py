"""The failover drill against moto.

moto accepts neither SwitchoverGlobalCluster nor FailoverGlobalCluster, so the
RDS client the drill gets is moto's, wrapped: those two calls are recorded and
then do what RDS does, explicitly: the writer moves in moto's backend (and, in
the scenario with the Lambda, the EventBridge event reaches the handler).
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from components.aws.aurora import drill, handler
from tests.aws.aurora.conftest import GLOBAL_ID, PRIMARY, RECORD, SECONDARY, World, rds_event


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.hooks: list[Any] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        for hook in list(self.hooks):
            hook()


class GlobalRds:
    """moto's RDS client plus the two global-cluster calls moto lacks (recorded, then simulated)."""

    def __init__(self, client: Any, calls: list[tuple[str, dict[str, Any]]], on_call: Any):
        self._client, self._calls, self._on_call = client, calls, on_call

    def switchover_global_cluster(self, **kwargs: Any) -> dict[str, Any]:
        self._calls.append(("switchover_global_cluster", kwargs))
        self._on_call(kwargs)
        return {"GlobalCluster": {}}

    def failover_global_cluster(self, **kwargs: Any) -> dict[str, Any]:
        self._calls.append(("failover_global_cluster", kwargs))
        self._on_call(kwargs)
        return {"GlobalCluster": {}}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class Unreachable:
    """A client for a region that is down: every call fails as botocore fails without a network."""

    def __init__(self, region: str, log: list[str]):
        self.region, self.log = region, log

    def __getattr__(self, name: str) -> Any:
        from botocore.exceptions import EndpointConnectionError

        def call(**kwargs: Any) -> Any:
            self.log.append(name)
            raise EndpointConnectionError(endpoint_url=f"https://rds.{self.region}.amazonaws.com/")

        return call


class Resolver:
    """DNS as Aurora keeps it, without a query leaving the test: each cluster endpoint has an address,
    the global writer endpoint has the current writer's (or a frozen one, to show it not moving)."""

    def __init__(self, world: World, frozen: str | None = None):
        self.world, self.frozen = world, frozen
        self.asked: list[str] = []

    def __call__(self, host: str) -> set[str]:
        self.asked.append(host)
        address = {r: f"192.0.2.{i + 10}" for i, r in enumerate(sorted(self.world.endpoints))}
        if host == self.world.global_endpoint:
            if self.frozen:
                return {address[self.frozen]}
            writer = [r for r in self.world.endpoints if self.world._backend_cluster(r).is_writer]
            return {address[writer[0]]} if len(writer) == 1 else set()
        region = next((r for r, e in self.world.endpoints.items() if e == host), None)
        return {address[region]} if region else set()


def make(
    world: World, clock: FakeClock, on_call: Any, down: str | None = None, **kwargs: Any
) -> tuple[drill.Drill, list, io.StringIO]:
    calls: list[tuple[str, dict[str, Any]]] = []
    refused: list[str] = []

    def client_for(service: str, region: str | None) -> Any:
        if service == "rds":
            if region is None:
                raise AssertionError("an RDS client needs a region")
            if region == down:
                return Unreachable(region, refused)
            return GlobalRds(world.rds_for(region), calls, on_call)
        return world.client(service, region)

    out = io.StringIO()
    kwargs.setdefault("resolve", Resolver(world))
    d = drill.Drill(
        client_for,
        GLOBAL_ID,
        kwargs.pop("to_region", SECONDARY),
        world.zone_id,
        RECORD,
        clock=clock,
        sleep=clock.sleep,
        out=out,
        poll=10,
        timeout=300,
        **kwargs,
    )
    return d, calls, out


def lambda_mode(world: World, clock: FakeClock, to: str = SECONDARY, rds_for: Any = None):
    """RDS moves the writer after 30 s, marks it available at 60 s; the event fires; the handler runs."""

    def on_call(kwargs: dict[str, Any]) -> None:
        start = clock.now

        def progress() -> None:
            if clock.now - start >= 30:
                world.move_writer(to)
                world.set_status(to, "modifying")
            if clock.now - start >= 60:
                world.set_status(to, "available")
                cfg = handler.Config(world.zone_id, RECORD, GLOBAL_ID, wait_seconds=0)
                handler.sync(
                    cfg,
                    rds_for or world.rds_for,
                    world.client("route53"),
                    rds_event("RDS-EVENT-0185", f"{GLOBAL_ID}-{to}", region=to),
                    home_region=to,
                )
                clock.hooks.remove(progress)

        clock.hooks.append(progress)

    return on_call


def test_switchover_moves_writer_and_cname_with_timings(world: World) -> None:
    clock = FakeClock()
    d, calls, out = make(world, clock, lambda_mode(world, clock))
    steps = d.run()
    assert calls == [
        (
            "switchover_global_cluster",
            {"GlobalClusterIdentifier": GLOBAL_ID, "TargetDbClusterIdentifier": world.arns[SECONDARY]},
        )
    ]
    assert [s.name for s in steps] == ["request", "writer-moved", "writer-available", "dns"]
    assert [s.seconds for s in steps] == [0.0, 30.0, 30.0, 0.0]
    assert world.cname() == world.endpoints[SECONDARY]
    text = out.getvalue()
    assert "writer-moved" in text and "30.0s" in text and "total" in text and "60.0s" in text


def test_failover_allows_data_loss(world: World) -> None:
    clock = FakeClock()
    d, calls, _ = make(world, clock, lambda_mode(world, clock), failover=True)
    d.run()
    assert calls == [
        (
            "failover_global_cluster",
            {
                "GlobalClusterIdentifier": GLOBAL_ID,
                "TargetDbClusterIdentifier": world.arns[SECONDARY],
                "AllowDataLoss": True,
            },
        )
    ]


def test_global_writer_endpoint_mode_accepts_the_global_name(world: World) -> None:
    world.set_cname(world.global_endpoint)
    clock = FakeClock()
    resolver = Resolver(world)
    d, _, _ = make(world, clock, lambda kwargs: world.move_writer(SECONDARY), resolve=resolver)
    steps = d.run()
    assert [s.name for s in steps][-2:] == ["dns", "global-endpoint"]
    assert steps[-2].detail.endswith(world.global_endpoint)
    assert world.global_endpoint in resolver.asked and world.endpoints[SECONDARY] in resolver.asked


def test_global_writer_endpoint_that_never_moves_times_out(world: World) -> None:
    """Issue 14 item 10: in global-writer-endpoint mode the CNAME proves nothing; the endpoint must move."""
    world.set_cname(world.global_endpoint)
    clock = FakeClock()
    d, _, _ = make(
        world, clock, lambda kwargs: world.move_writer(SECONDARY), resolve=Resolver(world, frozen=PRIMARY)
    )
    with pytest.raises(drill.DrillError, match=r"'global-endpoint' not done after 300s; last seen: "):
        d.run()


def test_bounded_wait_names_the_step_and_last_state(world: World) -> None:
    clock = FakeClock()
    d, calls, _ = make(world, clock, lambda kwargs: None)  # the writer never moves
    with pytest.raises(
        drill.DrillError, match=r"'writer-moved' not done after 300s; last seen: writer members"
    ):
        d.run()
    assert len(calls) == 1
    assert clock.now == pytest.approx(300)


def test_cname_that_never_follows_times_out(world: World) -> None:
    clock = FakeClock()
    d, _, _ = make(world, clock, lambda kwargs: world.move_writer(SECONDARY))  # no Lambda runs
    with pytest.raises(drill.DrillError, match=r"'dns' not done after 300s; last seen: CNAME is"):
        d.run()


def test_refuses_unknown_region_and_current_writer(world: World) -> None:
    clock = FakeClock()
    d, calls, _ = make(world, clock, lambda kwargs: None)
    d.to_region = "ap-south-1"
    with pytest.raises(
        drill.DrillError, match="no member in ap-south-1; members are in: eu-west-1, us-east-1"
    ):
        d.run()
    d.to_region = PRIMARY
    with pytest.raises(drill.DrillError, match="already the writer"):
        d.run()
    assert calls == []


def test_main_exit_code_and_message(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code = drill.main(
        [
            "--global-cluster-id",
            GLOBAL_ID,
            "--to-region",
            PRIMARY,
            "--zone-id",
            world.zone_id,
            "--record-name",
            RECORD,
        ],
        client_for=lambda s, r: world.client(s, r),
    )
    assert code == 2
    assert "drill failed:" in capsys.readouterr().err


def test_failover_runs_with_the_old_primary_region_unreachable(world: World) -> None:
    """Issue 14 item 4: every call to the old primary's region fails; the drill still completes."""
    clock = FakeClock()

    def surviving(region: str) -> Any:
        if region == PRIMARY:
            return Unreachable(PRIMARY, [])
        return world.rds_for(region)

    d, calls, _ = make(
        world, clock, lambda_mode(world, clock, rds_for=surviving), down=PRIMARY, failover=True
    )
    steps = d.run()
    assert calls[0][0] == "failover_global_cluster"
    assert [s.name for s in steps] == ["request", "writer-moved", "writer-available", "dns"]
    assert world.cname() == world.endpoints[SECONDARY]


def teardown_check(world: World, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = drill.main(
        [
            "--global-cluster-id",
            GLOBAL_ID,
            "--check-teardown",
            PRIMARY,
            "--zone-id",
            world.zone_id,
            "--record-name",
            RECORD,
        ],
        client_for=lambda s, r: world.client(s, r),
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_switch_back_before_destroy(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 14 item 3: after a switchover, teardown is refused with the exact switch-back command;
    the switch back (a drill to the first region) makes it safe."""
    assert teardown_check(world, capsys)[0] == 0
    clock = FakeClock()
    d, _, _ = make(world, clock, lambda_mode(world, clock))
    d.run()
    code, _, err = teardown_check(world, capsys)
    assert code == 3
    assert f"writer of {GLOBAL_ID} is in {SECONDARY}, not in the first region {PRIMARY}" in err
    switch_back = (
        f"python -m components.aws.aurora.drill --global-cluster-id {GLOBAL_ID} --to-region {PRIMARY} "
        f"--zone-id {world.zone_id} --record-name {RECORD}"
    )
    assert switch_back in err

    back, calls, _ = make(world, clock, lambda_mode(world, clock, to=PRIMARY), to_region=PRIMARY)
    back.run()
    assert calls == [
        (
            "switchover_global_cluster",
            {"GlobalClusterIdentifier": GLOBAL_ID, "TargetDbClusterIdentifier": world.arns[PRIMARY]},
        )
    ]
    assert world.cname() == world.endpoints[PRIMARY]
    code, out, _ = teardown_check(world, capsys)
    assert code == 0 and f"teardown safe: the writer {world.arns[PRIMARY]} is in {PRIMARY}" in out
