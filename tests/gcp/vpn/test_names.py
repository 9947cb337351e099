"""Issue 17 item 9: two gateway stacks in one GCP project do not collide; names fit GCP limits."""

from __future__ import annotations

import re
from typing import Any

import pytest

from components import OpenVpnGateway, ValidationError
from components.gcp.common import GCP_NAME
from components.gcp.vpn import validate
from components.validation import Problems
from plan.runtime import MockRuntime

from .base import gateway_args

T_ROUTE = "gcp:compute/route:Route"
T_SECRET = "gcp:secretmanager/secret:Secret"
T_ACCOUNT = "gcp:serviceaccount/account:Account"


def cloud_names(stack: str) -> set[str]:
    """Every explicit cloud-side name the gateway sets, deployed in ``stack``."""
    with MockRuntime(stack=stack) as rt:
        OpenVpnGateway("geo-vpn", gateway_args())  # type: ignore[arg-type]
        rt.settle()
        names = {r.inputs["name"] for r in rt.of_type(T_ROUTE)}
        names |= {r.inputs["secretId"] for r in rt.of_type(T_SECRET)}
        names |= {r.inputs["accountId"] for r in rt.of_type(T_ACCOUNT)}
    assert len(names) == 2 + 2 + 1
    return names


def test_two_stacks_in_one_project_use_distinct_names() -> None:
    dev, prod = cloud_names("dev"), cloud_names("prod")
    assert dev.isdisjoint(prod), dev & prod
    for name in dev | prod:
        assert len(name) <= 63 and re.fullmatch(GCP_NAME, name), name
    assert "geo-vpn-prod-vpn" in prod and "geo-vpn-prod-server-key" in prod


def test_names_are_stable_across_runs() -> None:
    assert cloud_names("dev") == cloud_names("dev")


@pytest.mark.parametrize(
    ("name", "stack"),
    [("a-very-long-gateway-name", "production"), ("geo-vpn", "production-europe-west1")],
)
def test_a_service_account_id_over_30_chars_is_refused_naming_the_cause(name: str, stack: str) -> None:
    with MockRuntime(stack=stack) as rt, pytest.raises(ValidationError) as err:
        OpenVpnGateway(name, gateway_args())  # type: ignore[arg-type]
    problem = next(p for p in err.value.problems if p.field == "name")
    assert "6-30" in problem.allowed and stack in str(problem.value) and name in str(problem.value)
    assert rt.resources == []


@pytest.mark.parametrize("name", ["GW", "gw_1", "1gw", "gw-"])
def test_a_component_name_gcp_cannot_use_is_refused(runtime: MockRuntime, name: str) -> None:
    with pytest.raises(ValidationError) as err:
        OpenVpnGateway(name, gateway_args())  # type: ignore[arg-type]
    assert "name" in err.value.fields


def test_the_stack_config_names_the_cause_before_any_resource(runtime_factory: Any) -> None:
    problems = Problems("stack config")
    rt = runtime_factory(stack="a-stack-name-far-too-long-for-gcp")
    validate(gateway_args(), problems, prefix="crossnet:vpn.gateway.", name="geo-vpn")
    assert [p.field for p in problems.items] == ["crossnet:vpn.gateway.name"]
    assert rt.resources == []
