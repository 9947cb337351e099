"""Issue 14 item 3: `pulumi destroy` after a switchover is refused before anything is deleted.

The guard is a dynamic resource that depends on every cluster and instance, so Pulumi deletes it
first; its delete runs against moto here, with the writer moved by hand (moto does not move it).
"""

from __future__ import annotations

from typing import Any

import pytest

from components.aws.aurora import AuroraGlobalDb
from components.aws.aurora.guard import TeardownGuardProvider
from plan.runtime import MockRuntime
from tests.aws.aurora.conftest import GLOBAL_ID, PRIMARY, RECORD, SECONDARY, World

T_GUARD = "pulumi-python:dynamic/crossnet-aws:TeardownGuard"
ARGS: dict[str, Any] = {
    "regions": ["us-east-1", "eu-west-1"],
    "global_cluster_identifier": "kc-global",
    "dns": {"zone_id": "Z0123456789ABC", "zone_name": "example.com"},
    "instances_per_region": 2,
}


def test_guard_is_deleted_before_any_database(runtime: MockRuntime) -> None:
    AuroraGlobalDb("kc", ARGS)  # type: ignore[arg-type]
    runtime.settle()
    guard = runtime.one(T_GUARD, "kc-teardown-guard")
    databases = runtime.of_type("aws:rds/cluster:Cluster") + runtime.of_type(
        "aws:rds/clusterInstance:ClusterInstance"
    )
    assert len(databases) == 6
    # Pulumi deletes a resource before those it depends on: the guard goes first.
    assert all(d.urn in guard.dependencies for d in databases)
    assert guard.inputs["first_region"] == "us-east-1" and guard.inputs["enforce"] is True
    assert guard.inputs["command"] == (
        "python -m components.aws.aurora.drill --global-cluster-id kc-global --to-region us-east-1 "
        "--zone-id Z0123456789ABC --record-name kc-global.aurora-global.example.com"
    )


def test_guard_uses_the_first_regions_credentials(runtime_factory: Any) -> None:
    rt = runtime_factory(
        config={"aws:profile": "ops", "aws:assumeRoles": [{"roleArn": "arn:aws:iam::123456789012:role/a"}]}
    )
    role = "arn:aws:iam::210987654321:role/b"
    settings = {"us-east-1": {"assume_roles": [{"role_arn": role, "session_name": "dr"}]}}
    AuroraGlobalDb("kc", {**ARGS, "provider_settings": settings})  # type: ignore[arg-type]
    rt.settle()
    guard = rt.one(T_GUARD)
    assert guard.inputs["profile"] == "ops"
    assert guard.inputs["roles"] == [{"role_arn": role, "session_name": "dr"}]


def test_guard_can_be_turned_off(runtime: MockRuntime) -> None:
    AuroraGlobalDb("kc", {**ARGS, "teardown_check": False})  # type: ignore[arg-type]
    runtime.settle()
    assert runtime.one(T_GUARD).inputs["enforce"] is False


def props(world: World, enforce: bool = True) -> dict[str, Any]:
    return {
        "global_cluster_id": GLOBAL_ID,
        "first_region": PRIMARY,
        "command": f"python -m components.aws.aurora.drill --global-cluster-id {GLOBAL_ID} "
        f"--to-region {PRIMARY} --zone-id {world.zone_id} --record-name {RECORD}",
        "enforce": enforce,
        "profile": None,
        "roles": [],
    }


def test_destroy_after_switchover_is_refused_with_the_command(world: World) -> None:
    guard = TeardownGuardProvider()
    guard.delete("x", props(world))  # the writer is in the first region: the destroy goes on
    world.move_writer(SECONDARY)  # a switchover
    with pytest.raises(RuntimeError) as info:
        guard.delete("x", props(world))
    message = str(info.value)
    assert f"the writer of {GLOBAL_ID} is in {SECONDARY}, not in the first region {PRIMARY}" in message
    assert props(world)["command"] in message
    guard.delete("x", props(world, enforce=False))  # turned off: the destroy goes on
    world.move_writer(PRIMARY)  # the switch back
    guard.delete("x", props(world))


def test_a_global_cluster_already_gone_passes(world: World) -> None:
    TeardownGuardProvider().delete("x", {**props(world), "global_cluster_id": "gone-global"})


def test_a_check_that_cannot_run_refuses_too(world: World) -> None:
    with pytest.raises(RuntimeError) as info:
        TeardownGuardProvider().delete("x", {**props(world), "profile": "no-such-profile"})
    message = str(info.value)
    assert "could not check where the writer of kc-global is" in message
    assert "nothing was deleted" in message and "teardown_check: false" in message
