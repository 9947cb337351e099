"""Growing a deployment (brokers, regions, VPN clients) never renames or rewrites what exists.

Each case plans the dev stack twice, the second time with one more broker, Aurora region or VPN
client and nothing else changed. Every URN of the first plan must be in the second, with the same
parent, provider, options and inputs, except for the input changes listed in ``INHERENT``: the
ones that must follow from the growth. The list is exact, so a new dependency on the count shows
up here as a failure to look at.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.reliability import plans

Key = tuple[str, str]

FIELDS = (
    "type",
    "name",
    "parent",
    "provider",
    "custom",
    "protect",
    "ignore_changes",
    "additional_secret_outputs",
    "delete_before_replace",
    "retain_on_delete",
    "custom_timeouts",
)


def _kafka_broker(section: dict[str, Any]) -> None:
    section["broker_count"] += 1


def _kafka_two_az_ids_pinned(section: dict[str, Any]) -> None:
    section["az_ids"] = section["az_ids"][:2]
    section["broker_az_ids"] = [
        section["az_ids"][(n - 1) % 2] for n in range(1, section.pop("broker_count") + 1)
    ]


def _kafka_az_id(section: dict[str, Any]) -> None:
    section["az_ids"] = [*section["az_ids"], "usw2-az3"]


def _aurora_region(section: dict[str, Any]) -> None:
    section["regions"] = [*section["regions"], "eu-west-1"]


def _aurora_region_with_lambdas(section: dict[str, Any]) -> None:
    section["endpoint_mode"] = "failover-lambda"


def _vpn_client(section: dict[str, Any]) -> None:
    section["gateway"]["clients"]["onprem-dc2"] = ["192.168.60.0/24"]


# (config key, change applied to the base for both plans, the growth, inherent input changes)
CASES: dict[
    str,
    tuple[
        str, Callable[[dict[str, Any]], None] | None, Callable[[dict[str, Any]], None], dict[Key, set[str]]
    ],
] = {
    # The KRaft quorum is fixed (controller_count), so broker 4 changes no existing broker's
    # server.properties; the bootstrap target group gains an attachment (a new URN); the layout
    # guard records the new broker (an update of a local command, which passes: nothing moved).
    "kafka: 3 -> 4 brokers": (
        "crossnet:kafka",
        None,
        _kafka_broker,
        {("command:local:Command", "tidb-kafka-layout-guard"): {"environment"}},
    ),
    # Brokers pinned with broker_az_ids stay where they are; the NLB gains the new AZ ID's subnet
    # (an NLB's subnets can be added in place: pulumi-aws lb.LoadBalancer ``subnets`` docs).
    "kafka: 2 -> 3 AZ ids": (
        "crossnet:kafka",
        _kafka_two_az_ids_pinned,
        _kafka_az_id,
        {
            ("command:local:Command", "tidb-kafka-layout-guard"): {"environment"},
            ("aws:lb/loadBalancer:LoadBalancer", "tidb-kafka-nlb"): {"subnets"},
        },
    ),
    # global-writer-endpoint mode: the CNAME targets the global endpoint, which does not move.
    "aurora: 2 -> 3 regions": ("crossnet:aurora", None, _aurora_region, {}),
    # failover-lambda mode: each handler may read every regional cluster, so its policy lists them.
    "aurora (failover-lambda): 2 -> 3 regions": (
        "crossnet:aurora",
        _aurora_region_with_lambdas,
        _aurora_region,
        {
            ("aws:iam/rolePolicy:RolePolicy", "keycloak-us-west-2-failover-policy"): {"policy"},
            ("aws:iam/rolePolicy:RolePolicy", "keycloak-us-east-1-failover-policy"): {"policy"},
        },
    ),
    # The gateway's startup script writes one client-config-dir file per client (ccd-exclusive);
    # metadata is updated in place (the VM is not replaced).
    "vpn: 2 -> 3 clients": (
        "crossnet:vpn",
        None,
        _vpn_client,
        {
            ("gcp:compute/instance:Instance", "geo-vpn-vm"): {"metadata"},
        },
    ),
}


def compare(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], dict[Key, set[str]], int]:
    """(URNs that vanished, (type, name) -> changed input keys or @field, count of new URNs)."""
    before = {r["urn"]: r for r in old["resources"]}
    after = {r["urn"]: r for r in new["resources"]}
    changed: dict[Key, set[str]] = {}
    for urn, res in before.items():
        if urn not in after:
            continue
        other = after[urn]
        keys = {
            k
            for k in set(res["inputs"]) | set(other["inputs"])
            if res["inputs"].get(k) != other["inputs"].get(k)
        }
        keys |= {f"@{f}" for f in FIELDS if res[f] != other[f]}
        if keys:
            changed[(res["type"], res["name"])] = keys
    return sorted(set(before) - set(after)), changed, len(set(after) - set(before))


@pytest.mark.parametrize("case", list(CASES))
def test_growth_keeps_every_urn_and_input(case: str) -> None:
    key, prepare, grow, inherent = CASES[case]
    base = plans.load("dev", plans.DEV_FILE)
    section = copy.deepcopy(base.values[key])
    if prepare is not None:
        prepare(section)
    grown = copy.deepcopy(section)
    grow(grown)
    config_key = key.replace(":", "_", 1)
    before = plans.run(plans.with_values(base, **{config_key: section}))
    after = plans.run(plans.with_values(base, **{config_key: grown}))

    vanished, changed, added = compare(before, after)
    assert vanished == []
    assert changed == inherent
    assert added > 0, "the growth added nothing: the case tests nothing"


def test_the_comparison_sees_a_rename() -> None:
    doc = plans.dev_plan()
    renamed = copy.deepcopy(doc)
    victim = next(r for r in renamed["resources"] if r["type"] == "aws:ec2/instance:Instance")
    victim["urn"] += "-x"
    victim["inputs"]["instanceType"] = "t3.nano"
    other = next(r for r in renamed["resources"] if r["type"] == "gcp:compute/firewall:Firewall")
    other["protect"] = True
    vanished, changed, added = compare(doc, renamed)
    assert len(vanished) == 1 and added == 1
    assert changed == {(other["type"], other["name"]): {"@protect"}}
