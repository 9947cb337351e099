"""The critical-path algorithm on small hand-made graphs (no timing)."""

from __future__ import annotations

import pytest

from bench import durations
from bench.graph import CycleError, Node, critical_path, edges

TIMES = {"vpc": 5.0, "cluster": 480.0, "instance": 600.0, "record": 60.0, "key": 0.0}


def cost(node: Node) -> float:
    return TIMES[node.type]


def test_longest_chain_wins_and_sum_is_the_runbook() -> None:
    # vpc -> cluster -> instance ; vpc -> record (short branch) ; the chain is 5 + 480 + 600
    nodes = [
        Node("vpc", "vpc"),
        Node("cluster", "cluster", dependencies=("vpc",)),
        Node("instance", "instance", dependencies=("cluster",)),
        Node("record", "record", dependencies=("vpc",)),
    ]
    cp = critical_path(nodes, cost)
    assert cp.length == 1085.0
    assert cp.path == ("vpc", "cluster", "instance")
    assert cp.total == 1145.0
    assert cp.finish["record"] == 65.0


def test_parallel_branches_do_not_add_up() -> None:
    # two regions, each cluster -> instance, both after one global step: one chain long, not two
    nodes = [Node("g", "record")]
    for r in ("a", "b", "c"):
        nodes += [
            Node(f"c-{r}", "cluster", dependencies=("g",)),
            Node(f"i-{r}", "instance", dependencies=(f"c-{r}",)),
        ]
    cp = critical_path(nodes, cost)
    assert cp.length == 60 + 480 + 600
    assert cp.total == 60 + 3 * (480 + 600)


def test_parent_is_not_a_dependency_but_a_component_dependency_means_its_children() -> None:
    nodes = [
        Node("comp", "component", custom=False),
        Node("slow", "instance", parent="comp"),
        Node("fast", "vpc", parent="comp"),
        # depends on the component: waits for both of its children
        Node("after", "record", dependencies=("comp",)),
        # only a child of the component: starts at 0
        Node("child-only", "cluster", parent="comp"),
    ]
    assert edges({n.urn: n for n in nodes})["after"] == {"slow", "fast", "child-only"}
    cp = critical_path(nodes, lambda n: 0.0 if not n.custom else cost(n))
    assert cp.finish["child-only"] == 480.0
    assert cp.finish["after"] == 600.0 + 60.0
    assert cp.finish["comp"] == 0.0  # components take no time and wait for nothing


def test_provider_is_waited_for() -> None:
    nodes = [Node("p", "cluster"), Node("r", "record", provider="p")]
    assert critical_path(nodes, cost).finish["r"] == 540.0


def test_unknown_dependencies_are_ignored_and_cycles_are_errors() -> None:
    assert critical_path([Node("a", "vpc", dependencies=("urn:outside",))], cost).length == 5.0
    with pytest.raises(CycleError):
        critical_path([Node("a", "vpc", dependencies=("b",)), Node("b", "vpc", dependencies=("a",))], cost)


def test_durations_table_has_a_source_for_every_entry() -> None:
    for token, entry in durations.TABLE.items():
        assert entry.kind in {"published", "estimate", "local"}, token
        assert entry.source.strip(), token
        assert entry.seconds >= 0, token
    assert durations.lookup("pulumi:providers:aws").seconds == 0
    assert durations.lookup("time:index/sleep:Sleep", {"createDuration": "1m30s"}).seconds == 90
    with pytest.raises(durations.UnknownType):
        durations.lookup("aws:s3/bucket:Bucket")
    with pytest.raises(ValueError, match="not a duration"):
        durations.go_duration("90 seconds")
