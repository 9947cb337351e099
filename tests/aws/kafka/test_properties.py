"""Property-based tests (Hypothesis) of the whole recorded graph, over 1..49 brokers and 1..6 AZ IDs."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from components.aws.kafka import KafkaPrivateLinkCluster, render
from plan.answers._util import digest
from plan.mocks import ProviderMocks
from plan.runtime import MockRuntime
from tests.aws.kafka.graph import ATTACHMENT, INSTANCE, LISTENER, TG, routes

REGION = "us-east-1"  # six AZs in the real account, so six AZ IDs are realistic
ZONE_IDS = [f"use1-az{i}" for i in range(1, 7)]


class SixZoneMocks(ProviderMocks):
    """The shared mocks, except that the AZ lookup offers six zones (rotated name <-> id)."""

    def call(self, args: Any) -> dict:  # type: ignore[override]
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            shift = int(digest("six", length=2), 16) % 5 + 1
            ids = ZONE_IDS[shift:] + ZONE_IDS[:shift]
            return {
                "id": REGION,
                "names": [f"{REGION}{c}" for c in "abcdef"],
                "zoneIds": ids,
                "groupNames": [REGION] * 6,
                "state": "available",
            }
        return super().call(args)


def run(count: int, az_ids: list[str], controllers: int | None = None) -> tuple[MockRuntime, dict[str, Any]]:
    """A cluster of ``count`` brokers; ``controllers`` defaults to 3, or 1 below three brokers."""
    config = {"aws:region": REGION}
    with MockRuntime(SixZoneMocks(config), config=config) as rt:
        cluster = KafkaPrivateLinkCluster(
            "kafka",
            {
                "region": REGION,
                "az_ids": az_ids,
                "unique_name": "u1",
                "listener_domain_suffix": "1.example.com",
                "allowed_principals": ["arn:aws:iam::380838443567:root"],
                "broker_count": count,
                "controller_count": controllers or (3 if count >= 3 else 1),
            },
        )
        rt.settle()
        outputs = {
            "advertised": rt.value(cluster.advertised_listeners),
            "ips": rt.value(cluster.broker_private_ips),
            "properties": rt.value(cluster.server_properties),
            "az_names": rt.value(cluster.az_names),
        }
    return rt, outputs


az_id_lists = st.lists(st.sampled_from(ZONE_IDS), min_size=1, max_size=6, unique=True)
SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(count=st.integers(1, 49), az_ids=az_id_lists)
@example(count=49, az_ids=ZONE_IDS)
@example(count=1, az_ids=["use1-az3"])
def test_every_advertised_port_has_exactly_one_listener_and_target_group_to_that_broker(count, az_ids):
    rt, out = run(count, az_ids)
    table = routes(rt)
    ports = [r.nlb_port for r in table]
    assert len(ports) == len(set(ports)) == count + 1, "NLB listener ports collide"
    assert len(rt.of_type(TG)) == count + 1 and len(rt.of_type(LISTENER)) == count + 1
    assert len(rt.of_type(ATTACHMENT)) == 2 * count
    by_port = {r.nlb_port: r for r in table}
    instances = {r.name: r for r in rt.of_type(INSTANCE)}
    for node, address in out["advertised"].items():
        n = int(node)
        host, port = address.rsplit(":", 1)
        route = by_port.pop(int(port))
        broker = instances[f"kafka-broker-{n}"]
        assert route.targets == ((broker.name, out["ips"][node], render.Ports().external),)
        assert route.target_group_port == render.Ports().external
        assert host.split(".")[:2] == [f"b{n}", az_ids[(n - 1) % len(az_ids)]]
        props = render.parse_properties(out["properties"][node])
        assert f"EXTERNAL://{address}" in props["advertised.listeners"].split(",")
        assert props["node.id"] == node
        assert props.get("listeners", "").count("EXTERNAL://0.0.0.0:39092") == 1
        # broker n sits in the subnet of its AZ ID, in the AZ name the lookup gave for that ID
        subnet = rt.one("aws:ec2/subnet:Subnet", f"kafka-subnet-{az_ids[(n - 1) % len(az_ids)]}")
        assert broker.inputs["subnetId"] == subnet.id
        assert subnet.inputs["availabilityZone"] == out["az_names"][az_ids[(n - 1) % len(az_ids)]]
    (bootstrap,) = by_port.values()  # what is left is the bootstrap listener
    assert bootstrap.nlb_port == 9092
    assert {t[0] for t in bootstrap.targets} == set(instances)


@SETTINGS
@given(count=st.integers(1, 49), az_ids=az_id_lists)
def test_node_ids_and_quorum_voters_agree(count, az_ids):
    rt, out = run(count, az_ids)
    instances = {r.name: r for r in rt.of_type(INSTANCE)}
    voters_seen = set()
    for node, text in out["properties"].items():
        props = render.parse_properties(text)
        user_data = instances[f"kafka-broker-{node}"].inputs["userData"]
        assert text.rstrip() in user_data
        voters_seen.add(props["controller.quorum.voters"])
        voters = dict(v.split("@") for v in props["controller.quorum.voters"].split(","))
        for voter, address in voters.items():
            assert voter in out["properties"], "a voter that is not a node"
            assert address == f"{out['ips'][voter]}:29092"
        assert ("controller" in props["process.roles"]) is (node in voters)
    assert len(voters_seen) == 1
    assert sorted(int(n) for n in out["properties"]) == list(range(1, count + 1))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count=st.integers(1, 45), extra=st.integers(1, 4), az_ids=az_id_lists)
def test_growing_the_broker_count_keeps_existing_names_and_urns(count, extra, az_ids):
    controllers = 3 if count >= 3 else 1  # fixed for the cluster's life
    small, small_out = run(count, az_ids, controllers)
    large, large_out = run(count + extra, az_ids, controllers)
    before = {r.urn: r for r in small.resources}
    after = {r.urn: r for r in large.resources}
    assert set(before) <= set(after), "growing renamed or dropped a resource"
    for n in range(1, count + 1):
        urn = small.one(INSTANCE, f"kafka-broker-{n}").urn
        assert before[urn].inputs["subnetId"] == after[urn].inputs["subnetId"]
        assert before[urn].inputs["privateIp"] == after[urn].inputs["privateIp"]
        props = [render.parse_properties(o["properties"][str(n)]) for o in (small_out, large_out)]
        assert props[0]["controller.quorum.voters"] == props[1]["controller.quorum.voters"]
        if count >= 3:  # below three brokers the replication defaults follow the count
            assert before[urn].inputs["userData"] == after[urn].inputs["userData"]
    assert {k: v for k, v in large_out["advertised"].items() if int(k) <= count} == small_out["advertised"]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_an_az_ids_subnet_never_depends_on_the_other_az_ids(data):
    """For any ordering and subset of AZ IDs (and any VPC size), a given AZ ID always gets the same
    subnet, the public subnet never moves, no two subnets overlap and every broker IP fits."""
    import ipaddress

    from components.aws.kafka.args import validate
    from components.validation import Problems

    prefix = data.draw(st.integers(16, 21), label="vpc prefix")
    second = data.draw(st.integers(0, 255), label="second octet")
    vpc = str(ipaddress.IPv4Network((f"10.{second}.0.0", prefix), strict=False))
    universe = [f"use1-az{i}" for i in range(1, 8)]

    def layout(az_ids: list[str]) -> tuple[dict[str, str], str]:
        problems = Problems("kafka")
        s = validate(
            {
                "region": REGION,
                "az_ids": az_ids,
                "unique_name": "u1",
                "listener_domain_suffix": "1.example.com",
                "vpc_cidr": vpc,
                "allowed_principals": ["arn:aws:iam::380838443567:root"],
            },
            problems,
        )
        assert s is not None, problems.items
        return {a: s.subnet_cidr(a) for a in az_ids}, s.public_subnet_cidr()

    reference, public = layout(universe[:6])
    reference.update(layout(["use1-az7"])[0])
    for _ in range(3):
        subset = data.draw(st.lists(st.sampled_from(universe), min_size=1, max_size=6, unique=True))
        cidrs, public_now = layout(subset)
        assert public_now == public
        assert cidrs == {a: reference[a] for a in subset}
    nets = [ipaddress.IPv4Network(c) for c in [*reference.values(), public]]
    assert all(not a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])
    assert all(n.subnet_of(ipaddress.IPv4Network(vpc)) for n in nets)
    for cidr_text in reference.values():
        render.broker_ip(cidr_text, 49)  # raises if the highest broker did not fit
