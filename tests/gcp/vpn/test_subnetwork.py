"""Issue 17 item 11 (gateway part): a subnetwork whose range the gateway does not route is refused."""

from __future__ import annotations

from typing import Any

import pytest

from components import OpenVpnGateway
from plan.runtime import MockRuntime

from .base import gateway_args

T_INSTANCE = "gcp:compute/instance:Instance"


def deploy(runtime_factory: Any, range_: str, **over: Any) -> Any:
    rt = runtime_factory(config={"crossnet-mock:subnetwork_ranges": {"sub": range_}})
    OpenVpnGateway("gw", gateway_args(**over))  # type: ignore[arg-type]
    return rt


def test_a_subnetwork_outside_gcp_cidrs_is_refused_before_the_vm() -> None:
    config = {"crossnet-mock:subnetwork_ranges": {"sub": "10.30.0.0/24"}}
    with MockRuntime(config=config) as rt:
        OpenVpnGateway("gw", gateway_args())  # type: ignore[arg-type]
        # the engine reports this at preview, where invokes run
        with pytest.raises(ValueError, match="subnetwork") as err:
            rt.settle()
        text = str(err.value)
        assert "got 'sub'" in text and "its range is 10.30.0.0/24" in text and "gcp_cidrs" in text
        assert rt.of_type(T_INSTANCE) == []
        lookup = {"name": "sub", "project": "crossnet-test", "region": "europe-west1"}
        assert ("gcp:compute/getSubnetwork:getSubnetwork", lookup) in rt.mocks.calls


def test_a_subnetwork_inside_gcp_cidrs_is_used(runtime_factory: Any) -> None:
    rt = deploy(runtime_factory, "10.20.0.0/25")
    rt.settle()
    assert rt.one(T_INSTANCE).inputs["networkInterfaces"][0]["subnetwork"] == "sub"


def test_a_subnetwork_self_link_is_looked_up_by_link(runtime_factory: Any) -> None:
    link = "https://www.googleapis.com/compute/v1/projects/crossnet-test/regions/europe-west1/subnetworks/sub"
    rt = deploy(runtime_factory, "10.20.0.0/24", subnetwork=link)
    rt.settle()
    assert rt.one(T_INSTANCE).inputs["networkInterfaces"][0]["subnetwork"] == link
    assert any(c[1].get("selfLink") == link for c in rt.mocks.calls)
