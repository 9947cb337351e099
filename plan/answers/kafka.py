"""Answers for the KafkaPrivateLinkCluster resources: NLB, target groups, listeners, the VPC
endpoint service, EC2 instances and the VPC/subnet/AMI lookups, shaped like the AWS provider's."""

from __future__ import annotations

import ipaddress
from typing import Any

from plan.answers._util import ACCOUNT_ID, aws_arn, digest
from plan.answers.common import aws_zones
from plan.mocks import Ctx


def _elb_arn(ctx: Ctx, kind: str) -> tuple[str, str]:
    short = _elb_name(ctx)
    suffix = f"{kind}/{short}/{digest(ctx.type, ctx.name, length=16)}"
    return aws_arn("elasticloadbalancing", ctx.region, suffix), suffix


def _elb_name(ctx: Ctx) -> str:
    """The name AWS keeps: the explicit ``name`` input, else a shortened resource name."""
    return str(ctx.inputs.get("name") or ctx.name[:24].rstrip("-"))


def load_balancer(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    arn, suffix = _elb_arn(ctx, "loadbalancer/net")
    short = _elb_name(ctx)
    dns = f"{short}-{digest(ctx.name, length=16)}.elb.{ctx.region}.amazonaws.com"
    return arn, {
        "arn": arn,
        "arnSuffix": suffix.removeprefix("loadbalancer/"),
        "dnsName": dns,
        "zoneId": "Z18D5FSROUN65G",
        "name": short,
    }


def target_group(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    arn, suffix = _elb_arn(ctx, "targetgroup")
    return arn, {"arn": arn, "arnSuffix": suffix, "name": _elb_name(ctx)}


def listener(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    lb_arn = str(ctx.inputs.get("loadBalancerArn") or "")
    base = lb_arn.split(":loadbalancer/", 1)[-1] if lb_arn else f"net/{ctx.name}/0"
    arn = aws_arn(
        "elasticloadbalancing", ctx.region, f"listener/{base}/{digest(ctx.type, ctx.name, length=16)}"
    )
    return arn, {"arn": arn}


def target_group_attachment(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    return f"{ctx.inputs.get('targetGroupArn')}-{ctx.inputs.get('targetId')}", {}


def endpoint_service(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    service_id = "vpce-svc-" + digest(ctx.type, ctx.name)
    return service_id, {
        "arn": aws_arn("ec2", ctx.region, f"vpc-endpoint-service/{service_id}"),
        "serviceName": f"com.amazonaws.vpce.{ctx.region}.{service_id}",
        "serviceType": "Interface",
        "state": "Available",
        "managesVpcEndpoints": False,
        "availabilityZones": [name for name, _ in aws_zones(ctx.region)],
        "baseEndpointDnsNames": [f"{service_id}.{ctx.region}.vpce.amazonaws.com"],
        "privateDnsName": "",
        "privateDnsNameConfigurations": [],
    }


def instance(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    instance_id = "i-" + digest(ctx.type, ctx.name)
    private_ip = ctx.inputs.get("privateIp") or str(
        ipaddress.IPv4Address("10.0.0.0") + 16 + int(digest(ctx.name, length=4), 16) % 4000
    )
    outputs: dict[str, Any] = {
        "arn": aws_arn("ec2", ctx.region, f"instance/{instance_id}"),
        "privateIp": private_ip,
        "privateDns": f"ip-{private_ip.replace('.', '-')}.{ctx.region}.compute.internal",
        "primaryNetworkInterfaceId": "eni-" + digest("eni", ctx.name),
        "instanceState": "running",
    }
    if ctx.inputs.get("associatePublicIpAddress"):
        public = ipaddress.IPv4Address("198.51.100.0") + int(digest(ctx.name, length=2), 16) % 250 + 1
        outputs["publicIp"] = str(public)
    return instance_id, outputs


def eip(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    allocation = "eipalloc-" + digest(ctx.type, ctx.name)
    public = ipaddress.IPv4Address("203.0.113.0") + int(digest(ctx.name, length=2), 16) % 250 + 1
    return allocation, {
        "allocationId": allocation,
        "publicIp": str(public),
        "arn": aws_arn("ec2", ctx.region, f"elastic-ip/{allocation}"),
    }


def instance_profile(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    name = str(ctx.inputs.get("name") or f"{ctx.name}-{digest(ctx.type, ctx.name, length=7)}")
    return name, {
        "name": name,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/{name}",
        "uniqueId": "AIPA" + digest(ctx.name, length=17).upper(),
    }


def ebs_volume(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    volume_id = "vol-" + digest(ctx.type, ctx.name)
    return volume_id, {
        "arn": aws_arn("ec2", ctx.region, f"volume/{volume_id}"),
        "iops": 3000,
        "throughput": 125,
    }


def get_ami(ctx: Ctx) -> dict[str, Any]:
    filters = ctx.inputs.get("filters") or []
    ami = "ami-" + digest("ami", ctx.region, filters)
    arch = next((f["values"][0] for f in filters if f.get("name") == "architecture"), "x86_64")
    return {
        "id": ami,
        "imageId": ami,
        "architecture": arch,
        "name": f"al2023-ami-2023.9.20260101.0-{arch}",
        "ownerId": "137112412989",
        "rootDeviceName": "/dev/xvda",
        "state": "available",
    }


def get_instance(ctx: Ctx) -> dict[str, Any]:
    instance_id = str(ctx.inputs.get("instanceId") or "i-0default")
    return {
        "id": instance_id,
        "instanceId": instance_id,
        "arn": aws_arn("ec2", ctx.region, f"instance/{instance_id}"),
        "vpcSecurityGroupIds": ["sg-" + digest("sg-of", instance_id)],
        "instanceState": "running",
    }


def get_vpc(ctx: Ctx) -> dict[str, Any]:
    vpc_id = str(ctx.inputs.get("id") or "vpc-0default")
    second = int(digest(vpc_id, length=2), 16) % 200 + 16
    return {
        "id": vpc_id,
        "cidrBlock": f"10.{second}.0.0/16",
        # a VPC grown with a secondary CIDR, as many are
        "cidrBlockAssociations": [
            {
                "associationId": "vpc-cidr-assoc-" + digest(vpc_id, 1),
                "cidrBlock": f"10.{second}.0.0/16",
                "state": "associated",
            },
            {
                "associationId": "vpc-cidr-assoc-" + digest(vpc_id, 2),
                "cidrBlock": "100.64.0.0/20",
                "state": "associated",
            },
        ],
        "state": "available",
        "arn": aws_arn("ec2", ctx.region, f"vpc/{vpc_id}"),
        "ownerId": ACCOUNT_ID,
    }


def get_subnet(ctx: Ctx) -> dict[str, Any]:
    subnet_id = str(ctx.inputs.get("id") or "subnet-0default")
    third = int(digest(subnet_id, length=2), 16)
    zone_name, _ = aws_zones(ctx.region)[third % 4]
    return {
        "id": subnet_id,
        "cidrBlock": f"10.{third % 200 + 16}.{third}.0/24",
        "availabilityZone": zone_name,
        "vpcId": "vpc-" + digest("vpc-of", subnet_id),
        "ownerId": ACCOUNT_ID,
        "arn": aws_arn("ec2", ctx.region, f"subnet/{subnet_id}"),
    }


RESOURCES = {
    "aws:lb/loadBalancer:LoadBalancer": load_balancer,
    "aws:lb/targetGroup:TargetGroup": target_group,
    "aws:lb/listener:Listener": listener,
    "aws:lb/targetGroupAttachment:TargetGroupAttachment": target_group_attachment,
    "aws:ec2/vpcEndpointService:VpcEndpointService": endpoint_service,
    "aws:ec2/instance:Instance": instance,
    "aws:ec2/eip:Eip": eip,
    "aws:iam/instanceProfile:InstanceProfile": instance_profile,
    "aws:ebs/volume:Volume": ebs_volume,
}

CALLS = {
    "aws:ec2/getAmi:getAmi": get_ami,
    "aws:ec2/getVpc:getVpc": get_vpc,
    "aws:ec2/getInstance:getInstance": get_instance,
    "aws:ec2/getSubnet:getSubnet": get_subnet,
}
