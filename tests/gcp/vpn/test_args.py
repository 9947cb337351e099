"""OpenVpnGateway's validation (issue 12 anatomy): plain values, prefixed field names, no asserts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components import OpenVpnGateway, ValidationError
from components.gcp.vpn import OpenVpnGatewayArgs, Settings, validate
from components.validation import PLAIN, Problems
from plan.runtime import MockRuntime

from .base import gateway_args, onprem_ssh

ONPREM = onprem_ssh(user="root")
# Fields that decide names, counts or rendered text: each must be a plain value.
PLAIN_FIELDS = [k for k in OpenVpnGatewayArgs.__annotations__]
SSH_PLAIN_FIELDS = ["host", "user", "port", "host_key", "allow_unknown_host_key", "client"]


def full_args(**over: Any) -> dict[str, Any]:
    return gateway_args(
        **{
            "vpn_cidr": "10.8.0.0/24",
            "port": 1194,
            "protocol": "udp",
            "machine_type": "e2-small",
            "client_to_client": False,
            "allow_world_ingress": False,
            "public_endpoint": "vpn.example.com",
            "onprem_ssh": dict(ONPREM),
            **over,
        }
    )


def test_every_args_field_is_covered() -> None:
    assert set(full_args()) == set(OpenVpnGatewayArgs.__annotations__)


@pytest.mark.parametrize("field", PLAIN_FIELDS)
def test_an_output_in_a_plain_field_names_it(runtime: MockRuntime, field: str) -> None:
    args = full_args(**{field: pulumi.Output.from_input(full_args()[field])})
    with pytest.raises(ValidationError) as err:
        OpenVpnGateway("gw", args)  # type: ignore[arg-type]
    found = {p.field: p.allowed for p in err.value.problems}
    assert field in found and found[field] == PLAIN
    assert runtime.resources == []


@pytest.mark.parametrize("field", SSH_PLAIN_FIELDS)
def test_an_output_in_onprem_ssh_names_it(runtime: MockRuntime, field: str) -> None:
    ssh = {**ONPREM, field: pulumi.Output.from_input(ONPREM.get(field, True))}
    problems = Problems("t")
    assert validate(full_args(onprem_ssh=ssh), problems) is None
    assert f"onprem_ssh.{field}" in {p.field for p in problems.items}


def test_the_private_key_may_be_an_output(runtime: MockRuntime) -> None:
    ssh = {**ONPREM, "private_key": pulumi.Output.secret("KEY")}
    problems = Problems("t")
    assert isinstance(validate(full_args(onprem_ssh=ssh), problems), Settings)
    assert problems.items == []


def test_validate_prefixes_every_field_and_returns_none_on_problems() -> None:
    problems = Problems("stack config")
    bad = gateway_args(port=0, clients={"Bad Name": []}, extra=1)
    del bad["project"]
    assert validate(bad, problems, prefix="crossnet:vpn.gateway.") is None
    fields = {p.field for p in problems.items}
    assert fields == {
        "crossnet:vpn.gateway.port",
        "crossnet:vpn.gateway.clients['Bad Name']",
        "crossnet:vpn.gateway.extra",
        "crossnet:vpn.gateway.project",
    }


def test_validate_returns_settings() -> None:
    problems = Problems("t")
    s = validate(full_args(), problems)
    assert problems.items == [] and isinstance(s, Settings)
    assert s.public_endpoint == "vpn.example.com" and s.onprem_ssh is not None
    assert s.clients == {"site-a": ["192.168.50.0/24"], "laptop": []}


def test_no_assert_decides_what_input_is_acceptable() -> None:
    root = Path(__file__).resolve().parents[3]
    for path in [*(root / "components/gcp/vpn").glob("*.py"), root / "components/gcp/common.py"]:
        assert not re.search(r"^\s*assert ", path.read_text(), re.M), path
