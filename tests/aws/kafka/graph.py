"""Read the KafkaPrivateLinkCluster graph back out of a mock run's recorded resources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plan.runtime import MockRuntime

LB = "aws:lb/loadBalancer:LoadBalancer"
TG = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment"
INSTANCE = "aws:ec2/instance:Instance"
SUBNET = "aws:ec2/subnet:Subnet"
SERVICE = "aws:ec2/vpcEndpointService:VpcEndpointService"
COMPONENT = "crossnet:index:KafkaPrivateLinkCluster"

BASE_ARGS: dict[str, Any] = {
    "region": "us-west-2",
    "az_ids": ["usw2-az1", "usw2-az2", "usw2-az3"],
    "unique_name": "abc123",
    "listener_domain_suffix": "3199015.tidbcloud.com",
    "allowed_principals": ["arn:aws:iam::380838443567:root"],
}


@dataclass(frozen=True)
class Route:
    """One NLB listener as recorded: its port, its target group and the targets behind it."""

    nlb_port: int
    target_group: str  # resource name
    target_group_port: int
    targets: tuple[tuple[str, str, int], ...]  # (instance resource name or id, private ip, port)


def routes(rt: MockRuntime) -> list[Route]:
    """Follow listener -> target group -> attachments -> instances through recorded ARNs and ids."""
    nlb = rt.one(LB)
    groups = {r.outputs["arn"]: r for r in rt.of_type(TG)}
    instances = {r.id: r for r in rt.of_type(INSTANCE)}
    result = []
    for listener in rt.of_type(LISTENER):
        assert listener.inputs["loadBalancerArn"] == nlb.outputs["arn"]
        assert listener.inputs["protocol"] == "TCP"
        actions = listener.inputs["defaultActions"]
        assert len(actions) == 1 and actions[0]["type"] == "forward"
        group = groups[actions[0]["targetGroupArn"]]
        targets = []
        for attachment in rt.of_type(ATTACHMENT):
            if attachment.inputs["targetGroupArn"] != group.outputs["arn"]:
                continue
            target = attachment.inputs["targetId"]
            instance = instances.get(target)
            name = instance.name if instance else target
            ip = instance.outputs["privateIp"] if instance else ""
            targets.append((name, ip, int(attachment.inputs["port"])))
        result.append(
            Route(int(listener.inputs["port"]), group.name, int(group.inputs["port"]), tuple(sorted(targets)))
        )
    return result
