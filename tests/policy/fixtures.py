"""A passing and a failing fixture for every rule, shaped like the offline plan's inputs.

Each ``GOOD`` resource is what a crossnet component records (copied from the dev/prod plans);
``Case`` changes it (or gives whole props) and says whether the rule must report it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from policy.rules import UNKNOWN

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EC2 = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
VOLUME = "aws:ebs/volume:Volume"
CLUSTER = "aws:rds/cluster:Cluster"
GLOBAL = "aws:rds/globalCluster:GlobalCluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
NLB = "aws:lb/loadBalancer:LoadBalancer"
ENDPOINT_SERVICE = "aws:ec2/vpcEndpointService:VpcEndpointService"
ENDPOINT_PRINCIPAL = "aws:ec2/vpcEndpointServiceAllowedPrinciple:VpcEndpointServiceAllowedPrinciple"
LAMBDA = "aws:lambda/function:Function"
FIREWALL = "gcp:compute/firewall:Firewall"
VM = "gcp:compute/instance:Instance"
ROLE = "azure-native:authorization:RoleDefinition"
ROLE_CLASSIC = "azure:authorization/roleDefinition:RoleDefinition"

KEY = (
    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKr0EWGzMGbtxf54ySi3Pf2BsLaXYAV\n-----END EC PRIVATE KEY-----\n"
)

GOOD: dict[str, dict[str, Any]] = {
    SG: {
        "description": "Kafka brokers behind PrivateLink",
        "vpcId": "vpc-3a8b1285bf7c0240a",
        "egress": [{"cidrBlocks": ["0.0.0.0/0"], "fromPort": 0, "protocol": "-1", "toPort": 0}],
        "ingress": [
            {"cidrBlocks": ["10.0.0.0/16"], "fromPort": 9092, "protocol": "tcp", "toPort": 9092},
            {"cidrBlocks": ["203.0.113.16/28"], "fromPort": 22, "protocol": "tcp", "toPort": 22},
        ],
    },
    SG_RULE: {
        "type": "ingress",
        "cidrBlocks": ["10.0.0.0/16"],
        "fromPort": 22,
        "toPort": 22,
        "protocol": "tcp",
        "securityGroupId": "sg-1",
    },
    SG_INGRESS: {
        "cidrIpv4": "10.0.0.0/16",
        "fromPort": 5432,
        "ipProtocol": "tcp",
        "toPort": 5432,
        "securityGroupId": "sg-66e5248910f6c8827",
    },
    EC2: {
        "ami": "ami-8b02ed61d285c4962",
        "associatePublicIpAddress": False,
        "instanceType": "t3.large",
        "metadataOptions": {
            "httpEndpoint": "enabled",
            "httpPutResponseHopLimit": 1,
            "httpTokens": "required",
        },
        "rootBlockDevice": {"deleteOnTermination": True, "encrypted": True, "volumeSize": 50},
        "tags": {"Name": "tidb-kafka-broker-1", "crossnet:component": "tidb-kafka"},
        "userData": "#!/bin/bash\nset -euo pipefail\n",
    },
    LAUNCH_TEMPLATE: {
        "metadataOptions": {"httpTokens": "required"},
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}],
        "networkInterfaces": [{"associatePublicIpAddress": "false"}],
    },
    VOLUME: {"availabilityZone": "us-west-2a", "size": 10, "encrypted": True},
    CLUSTER: {
        "backupRetentionPeriod": 14,
        "clusterIdentifier": "keycloak-prod-us-west-2",
        "copyTagsToSnapshot": True,
        "deletionProtection": True,
        "enabledCloudwatchLogsExports": ["postgresql"],
        "engine": "aurora-postgresql",
        "globalClusterIdentifier": "keycloak-prod",
        "iamDatabaseAuthenticationEnabled": True,
        "masterPassword": "[secret]",
        "masterUsername": "keycloak",
        "skipFinalSnapshot": False,
        "finalSnapshotIdentifier": "keycloak-prod-us-west-2-final",
        "storageEncrypted": True,
    },
    GLOBAL: {
        "deletionProtection": True,
        "engine": "aurora-postgresql",
        "storageEncrypted": True,
        "globalClusterIdentifier": "keycloak-prod",
    },
    CLUSTER_INSTANCE: {
        "clusterIdentifier": "keycloak-dev-us-west-2",
        "instanceClass": "db.r7g.large",
        "publiclyAccessible": False,
    },
    NLB: {
        "enableCrossZoneLoadBalancing": True,
        "enableDeletionProtection": True,
        "internal": True,
        "loadBalancerType": "network",
        "subnets": ["subnet-1", "subnet-2"],
    },
    ENDPOINT_SERVICE: {
        "acceptanceRequired": True,
        "allowedPrincipals": ["arn:aws:iam::380838443567:root"],
        "networkLoadBalancerArns": ["arn:aws:elasticloadbalancing:us-west-2:1:lb/net/x/1"],
    },
    ENDPOINT_PRINCIPAL: {
        "principalArn": "arn:aws:iam::380838443567:root",
        "vpcEndpointServiceId": "vpce-svc-1",
    },
    LAMBDA: {
        "handler": "handler.handler",
        "runtime": "python3.12",
        "timeout": 180,
        "environment": {"variables": {"ZONE_ID": "Z0123456789EXAMPLE"}},
        "tracingConfig": {"mode": "Active"},
        "reservedConcurrentExecutions": 2,
        "deadLetterConfig": {"targetArn": "arn:aws:sqs:us-west-2:1:failover-dlq"},
    },
    FIREWALL: {
        "allows": [{"ports": ["1194"], "protocol": "udp"}],
        "direction": "INGRESS",
        "network": "crossnet-dev",
        "sourceRanges": ["198.51.100.0/24"],
    },
    VM: {
        "canIpForward": False,
        "labels": {"crossnet-role": "postgres-standby"},
        "machineType": "e2-medium",
        "metadata": {
            "block-project-ssh-keys": "TRUE",
            "enable-oslogin": "TRUE",
            "startup-script": "#!/bin/bash\nset -euo pipefail\n",
        },
        "networkInterfaces": [{"subnetwork": "crossnet-dev-europe-west1"}],
        "serviceAccount": {
            "email": "geo-standby-pg@crossnet-dev.iam.gserviceaccount.com",
            "scopes": ["https://www.googleapis.com/auth/cloud-platform"],
        },
        "shieldedInstanceConfig": {
            "enableIntegrityMonitoring": True,
            "enableSecureBoot": True,
            "enableVtpm": True,
        },
    },
    ROLE: {
        "assignableScopes": ["/subscriptions/11111111-2222-4333-8444-555555555555"],
        "permissions": [{"actions": ["Microsoft.Network/virtualNetworks/peer/action"]}],
        "roleName": "crossnet vnet peer",
    },
    ROLE_CLASSIC: {
        "name": "peer",
        "scope": "/subscriptions/1",
        "permissions": [{"actions": ["Microsoft.Network/virtualNetworks/peer/action"]}],
    },
}

VPN_GATEWAY = {
    **GOOD[VM],
    "canIpForward": True,
    "labels": {"crossnet-role": "vpn-gateway"},
    "networkInterfaces": [{"subnetwork": "s", "accessConfigs": [{"natIp": "34.83.1.28"}]}],
}
BASTION = {
    **GOOD[EC2],
    "associatePublicIpAddress": True,
    "tags": {"Name": "tidb-kafka-bastion", "crossnet:component": "tidb-kafka"},
}
SECONDARY = {
    k: v
    for k, v in GOOD[CLUSTER].items()
    if k not in ("masterUsername", "masterPassword", "finalSnapshotIdentifier")
} | {"skipFinalSnapshot": True}


def edit(resource_type: str, fn: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    props = copy.deepcopy(GOOD[resource_type])
    fn(props)
    return props


def setting(resource_type: str, path: str, value: Any) -> dict[str, Any]:
    def change(props: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = props
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value

    return edit(resource_type, change)


def without(resource_type: str, key: str) -> dict[str, Any]:
    return edit(resource_type, lambda p: p.pop(key))


@dataclass(frozen=True)
class Case:
    rule: str
    resource_type: str
    props: dict[str, Any]
    fails: bool
    label: str

    @property
    def id(self) -> str:
        return f"{self.rule}-{'fail' if self.fails else 'pass'}-{self.label}"


def _cases() -> list[Case]:
    c: list[Case] = []

    def add(rule: str, resource_type: str, props: dict[str, Any], fails: bool, label: str) -> None:
        c.append(Case(rule, resource_type, props, fails, label))

    world22 = {"cidrBlocks": ["0.0.0.0/0"], "fromPort": 22, "protocol": "tcp", "toPort": 22}
    # security groups
    add("aws-sg-no-world-ssh", SG, GOOD[SG], False, "vpc-and-office-only")
    add("aws-sg-no-world-ssh", SG, setting(SG, "ingress.1.cidrBlocks", ["0.0.0.0/0"]), True, "world-22")
    add(
        "aws-sg-no-world-ssh",
        SG,
        edit(
            SG,
            lambda p: p["ingress"].append(
                {"ipv6CidrBlocks": ["::/0"], "fromPort": 20, "protocol": "tcp", "toPort": 25}
            ),
        ),
        True,
        "v6-range-over-22",
    )
    add(
        "aws-sg-no-world-ssh",
        SG,
        edit(
            SG,
            lambda p: p["ingress"].append(
                {"cidrBlocks": ["0.0.0.0/0"], "fromPort": 22, "protocol": "udp", "toPort": 22}
            ),
        ),
        False,
        "udp-22",
    )
    add("aws-sg-no-world-ssh", SG_RULE, setting(SG_RULE, "cidrBlocks", ["0.0.0.0/0"]), True, "sg-rule")
    add(
        "aws-sg-no-world-ssh",
        SG_RULE,
        {**setting(SG_RULE, "cidrBlocks", ["0.0.0.0/0"]), "type": "egress"},
        False,
        "egress-rule",
    )
    add(
        "aws-sg-no-world-ssh",
        SG_INGRESS,
        {**GOOD[SG_INGRESS], "cidrIpv4": "0.0.0.0/0", "fromPort": 22, "toPort": 22},
        True,
        "vpc-ingress-rule",
    )
    add("aws-sg-no-world-ssh", SG_INGRESS, GOOD[SG_INGRESS], False, "postgres-from-peer")
    add("aws-sg-no-world-rdp", SG, GOOD[SG], False, "no-rdp")
    add(
        "aws-sg-no-world-rdp",
        SG,
        edit(
            SG,
            lambda p: p["ingress"].append(
                {"cidrBlocks": ["0.0.0.0/0"], "fromPort": 3389, "protocol": "tcp", "toPort": 3389}
            ),
        ),
        True,
        "world-3389",
    )
    add("aws-sg-no-world-all-ports", SG, GOOD[SG], False, "egress-everywhere-is-fine")
    add(
        "aws-sg-no-world-all-ports",
        SG,
        edit(
            SG,
            lambda p: p["ingress"].append(
                {"cidrBlocks": ["0.0.0.0/0"], "fromPort": 0, "protocol": "-1", "toPort": 0}
            ),
        ),
        True,
        "protocol-minus-1",
    )
    add(
        "aws-sg-no-world-all-ports",
        SG_INGRESS,
        {**GOOD[SG_INGRESS], "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 0, "toPort": 65535},
        True,
        "tcp-0-65535",
    )
    add("aws-sg-no-world-all-ports", SG, edit(SG, lambda p: p["ingress"].append(world22)), False, "only-22")
    # EC2
    add("aws-ec2-imdsv2", EC2, GOOD[EC2], False, "required")
    add("aws-ec2-imdsv2", EC2, setting(EC2, "metadataOptions.httpTokens", "optional"), True, "optional")
    add("aws-ec2-imdsv2", EC2, without(EC2, "metadataOptions"), True, "absent")
    add(
        "aws-ec2-imdsv2",
        EC2,
        setting(EC2, "metadataOptions", {"httpEndpoint": "disabled"}),
        False,
        "endpoint-disabled",
    )
    add(
        "aws-ec2-imdsv2",
        LAUNCH_TEMPLATE,
        setting(LAUNCH_TEMPLATE, "metadataOptions.httpTokens", "optional"),
        True,
        "launch-template",
    )
    add("aws-ec2-imdsv2", EC2, setting(EC2, "metadataOptions.httpTokens", UNKNOWN), False, "unknown")
    add("aws-ec2-ebs-encrypted", EC2, GOOD[EC2], False, "root-encrypted")
    add("aws-ec2-ebs-encrypted", EC2, setting(EC2, "rootBlockDevice.encrypted", False), True, "root-plain")
    add("aws-ec2-ebs-encrypted", EC2, without(EC2, "rootBlockDevice"), True, "root-default")
    add(
        "aws-ec2-ebs-encrypted",
        EC2,
        {
            **GOOD[EC2],
            "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True}, {"deviceName": "/dev/sdg"}],
        },
        True,
        "second-data-volume",
    )
    add("aws-ec2-ebs-encrypted", VOLUME, GOOD[VOLUME], False, "volume")
    add("aws-ec2-ebs-encrypted", VOLUME, setting(VOLUME, "encrypted", False), True, "volume-plain")
    add("aws-ec2-ebs-encrypted", LAUNCH_TEMPLATE, GOOD[LAUNCH_TEMPLATE], False, "launch-template")
    add(
        "aws-ec2-ebs-encrypted",
        LAUNCH_TEMPLATE,
        setting(LAUNCH_TEMPLATE, "blockDeviceMappings.0.ebs.encrypted", "false"),
        True,
        "launch-template-plain",
    )
    add("aws-ec2-no-public-ip", EC2, GOOD[EC2], False, "private-broker")
    add("aws-ec2-no-public-ip", EC2, setting(EC2, "associatePublicIpAddress", True), True, "public-broker")
    add("aws-ec2-no-public-ip", EC2, BASTION, False, "kafka-bastion-exception")
    add(
        "aws-ec2-no-public-ip",
        EC2,
        {**BASTION, "tags": {"Name": "tidb-kafka-bastion"}},
        True,
        "bastion-name-without-component-tag",
    )
    add(
        "aws-ec2-no-public-ip",
        EC2,
        {**BASTION, "tags": {"Name": "other-bastion", "crossnet:component": "tidb-kafka"}},
        True,
        "bastion-of-another-component",
    )
    add(
        "aws-ec2-no-public-ip",
        LAUNCH_TEMPLATE,
        setting(LAUNCH_TEMPLATE, "networkInterfaces.0.associatePublicIpAddress", "true"),
        True,
        "launch-template",
    )
    add("no-private-key-in-plain-config", EC2, GOOD[EC2], False, "script")
    add(
        "no-private-key-in-plain-config",
        EC2,
        setting(EC2, "userData", "cat > k <<EOF\n" + KEY),
        True,
        "key-in-user-data",
    )
    add("no-private-key-in-plain-config", EC2, setting(EC2, "userData", "[secret]"), False, "masked")
    add(
        "no-private-key-in-plain-config",
        VM,
        setting(VM, "metadata.startup-script", KEY),
        True,
        "key-in-startup-script",
    )
    add(
        "no-private-key-in-plain-config",
        VM,
        {**GOOD[VM], "metadataStartupScript": KEY},
        True,
        "key-in-metadata-startup-script",
    )
    add(
        "no-private-key-in-plain-config",
        LAMBDA,
        setting(LAMBDA, "environment.variables.KEY", KEY),
        True,
        "key-in-lambda-env",
    )
    add("no-private-key-in-plain-config", VM, GOOD[VM], False, "vm-script")
    # RDS
    add("aws-rds-storage-encrypted", CLUSTER, GOOD[CLUSTER], False, "encrypted")
    add("aws-rds-storage-encrypted", CLUSTER, setting(CLUSTER, "storageEncrypted", False), True, "plain")
    add("aws-rds-storage-encrypted", GLOBAL, without(GLOBAL, "storageEncrypted"), True, "global-default")
    add("aws-rds-storage-encrypted", GLOBAL, GOOD[GLOBAL], False, "global")
    add("aws-rds-deletion-protection", CLUSTER, GOOD[CLUSTER], False, "on")
    add("aws-rds-deletion-protection", CLUSTER, setting(CLUSTER, "deletionProtection", False), True, "off")
    add("aws-rds-deletion-protection", GLOBAL, without(GLOBAL, "deletionProtection"), True, "global-default")
    add("aws-rds-iam-auth", CLUSTER, GOOD[CLUSTER], False, "on")
    add("aws-rds-iam-auth", CLUSTER, without(CLUSTER, "iamDatabaseAuthenticationEnabled"), True, "default")
    add("aws-rds-backup-retention", CLUSTER, GOOD[CLUSTER], False, "14-days")
    add("aws-rds-backup-retention", CLUSTER, setting(CLUSTER, "backupRetentionPeriod", 7), False, "7-days")
    add("aws-rds-backup-retention", CLUSTER, setting(CLUSTER, "backupRetentionPeriod", 6), True, "6-days")
    add("aws-rds-backup-retention", CLUSTER, without(CLUSTER, "backupRetentionPeriod"), True, "default-1")
    add("aws-rds-log-exports", CLUSTER, GOOD[CLUSTER], False, "postgresql")
    add("aws-rds-log-exports", CLUSTER, setting(CLUSTER, "enabledCloudwatchLogsExports", []), True, "none")
    add("aws-rds-copy-tags", CLUSTER, GOOD[CLUSTER], False, "on")
    add("aws-rds-copy-tags", CLUSTER, without(CLUSTER, "copyTagsToSnapshot"), True, "default")
    add("aws-rds-not-public", CLUSTER_INSTANCE, GOOD[CLUSTER_INSTANCE], False, "private")
    add(
        "aws-rds-not-public",
        CLUSTER_INSTANCE,
        setting(CLUSTER_INSTANCE, "publiclyAccessible", True),
        True,
        "public",
    )
    add("aws-rds-final-snapshot", CLUSTER, GOOD[CLUSTER], False, "primary-keeps-snapshot")
    add("aws-rds-final-snapshot", CLUSTER, setting(CLUSTER, "skipFinalSnapshot", True), True, "primary-skips")
    add("aws-rds-final-snapshot", CLUSTER, SECONDARY, False, "global-secondary-exception")
    add(
        "aws-rds-final-snapshot",
        CLUSTER,
        {k: v for k, v in SECONDARY.items() if k != "globalClusterIdentifier"},
        True,
        "standalone-without-master-user",
    )
    # NLB
    add("aws-nlb-cross-zone", NLB, GOOD[NLB], False, "on")
    add("aws-nlb-cross-zone", NLB, without(NLB, "enableCrossZoneLoadBalancing"), True, "nlb-default-off")
    add(
        "aws-nlb-cross-zone",
        NLB,
        {**without(NLB, "enableCrossZoneLoadBalancing"), "loadBalancerType": "application"},
        False,
        "alb-always-cross-zone",
    )
    add("aws-lb-deletion-protection", NLB, GOOD[NLB], False, "on")
    add("aws-lb-deletion-protection", NLB, without(NLB, "enableDeletionProtection"), True, "default")
    # endpoint service
    add("aws-endpoint-service-acceptance", ENDPOINT_SERVICE, GOOD[ENDPOINT_SERVICE], False, "required")
    add(
        "aws-endpoint-service-acceptance",
        ENDPOINT_SERVICE,
        setting(ENDPOINT_SERVICE, "acceptanceRequired", False),
        True,
        "auto-accept",
    )
    add(
        "aws-endpoint-service-no-wildcard-principal", ENDPOINT_SERVICE, GOOD[ENDPOINT_SERVICE], False, "named"
    )
    add(
        "aws-endpoint-service-no-wildcard-principal",
        ENDPOINT_SERVICE,
        setting(ENDPOINT_SERVICE, "allowedPrincipals", ["arn:aws:iam::380838443567:root", "*"]),
        True,
        "star",
    )
    add(
        "aws-endpoint-service-no-wildcard-principal",
        ENDPOINT_SERVICE,
        setting(ENDPOINT_SERVICE, "allowedPrincipals", ["arn:aws:iam::*:root"]),
        True,
        "any-account",
    )
    add(
        "aws-endpoint-service-no-wildcard-principal",
        ENDPOINT_PRINCIPAL,
        GOOD[ENDPOINT_PRINCIPAL],
        False,
        "principle-resource",
    )
    add(
        "aws-endpoint-service-no-wildcard-principal",
        ENDPOINT_PRINCIPAL,
        setting(ENDPOINT_PRINCIPAL, "principalArn", "*"),
        True,
        "principle-resource-star",
    )
    # Lambda
    add("aws-lambda-tracing", LAMBDA, GOOD[LAMBDA], False, "active")
    add("aws-lambda-tracing", LAMBDA, without(LAMBDA, "tracingConfig"), True, "none")
    add("aws-lambda-concurrency", LAMBDA, GOOD[LAMBDA], False, "reserved")
    add(
        "aws-lambda-concurrency",
        LAMBDA,
        setting(LAMBDA, "reservedConcurrentExecutions", -1),
        True,
        "unreserved",
    )
    add("aws-lambda-dlq", LAMBDA, GOOD[LAMBDA], False, "sqs")
    add("aws-lambda-dlq", LAMBDA, without(LAMBDA, "deadLetterConfig"), True, "none")
    # GCP firewall
    add("gcp-firewall-no-world-ssh", FIREWALL, GOOD[FIREWALL], False, "vpn-port-from-sites")
    add(
        "gcp-firewall-no-world-ssh",
        FIREWALL,
        {
            **GOOD[FIREWALL],
            "sourceRanges": ["0.0.0.0/0"],
            "allows": [{"protocol": "tcp", "ports": ["20-30"]}],
        },
        True,
        "range-over-22",
    )
    add(
        "gcp-firewall-no-world-ssh",
        FIREWALL,
        {**GOOD[FIREWALL], "sourceRanges": ["0.0.0.0/0"], "allows": [{"protocol": "all"}]},
        True,
        "all-protocols",
    )
    add(
        "gcp-firewall-no-world-ssh",
        FIREWALL,
        {
            **GOOD[FIREWALL],
            "sourceRanges": ["0.0.0.0/0"],
            "allows": [{"protocol": "tcp", "ports": ["22"]}],
            "direction": "EGRESS",
        },
        False,
        "egress",
    )
    add("gcp-firewall-no-world-rdp", FIREWALL, GOOD[FIREWALL], False, "vpn-port")
    add(
        "gcp-firewall-no-world-rdp",
        FIREWALL,
        {**GOOD[FIREWALL], "sourceRanges": ["0.0.0.0/0"], "allows": [{"protocol": "tcp", "ports": ["3389"]}]},
        True,
        "world-3389",
    )
    add("gcp-firewall-world-ingress", FIREWALL, GOOD[FIREWALL], False, "from-sites")
    add(
        "gcp-firewall-world-ingress",
        FIREWALL,
        setting(FIREWALL, "sourceRanges", ["0.0.0.0/0"]),
        True,
        "vpn-port-to-the-world",
    )
    # GCP VMs
    add("gcp-instance-os-login", VM, GOOD[VM], False, "on")
    add("gcp-instance-os-login", VM, setting(VM, "metadata.enable-oslogin", "FALSE"), True, "off")
    add("gcp-instance-os-login", VM, edit(VM, lambda p: p["metadata"].pop("enable-oslogin")), True, "absent")
    add("gcp-instance-no-serial-port", VM, GOOD[VM], False, "off")
    add("gcp-instance-no-serial-port", VM, setting(VM, "metadata.serial-port-enable", "true"), True, "on")
    add("gcp-instance-shielded-vm", VM, GOOD[VM], False, "shielded")
    add(
        "gcp-instance-shielded-vm",
        VM,
        setting(VM, "shieldedInstanceConfig.enableVtpm", False),
        True,
        "no-vtpm",
    )
    add("gcp-instance-shielded-vm", VM, without(VM, "shieldedInstanceConfig"), True, "absent")
    add("gcp-instance-block-project-ssh-keys", VM, GOOD[VM], False, "blocked")
    add(
        "gcp-instance-block-project-ssh-keys",
        VM,
        edit(VM, lambda p: p["metadata"].pop("block-project-ssh-keys")),
        True,
        "absent",
    )
    add("gcp-instance-no-ip-forwarding", VM, GOOD[VM], False, "standby")
    add("gcp-instance-no-ip-forwarding", VM, VPN_GATEWAY, False, "vpn-gateway-exception")
    add("gcp-instance-no-ip-forwarding", VM, setting(VM, "canIpForward", True), True, "standby-forwarding")
    add(
        "gcp-instance-no-ip-forwarding",
        VM,
        {**VPN_GATEWAY, "labels": {"crossnet-role": "vpn"}},
        True,
        "other-label-value",
    )
    add("gcp-instance-no-public-ip", VM, GOOD[VM], False, "internal-only")
    add("gcp-instance-no-public-ip", VM, VPN_GATEWAY, False, "vpn-gateway-exception")
    add(
        "gcp-instance-no-public-ip",
        VM,
        {**GOOD[VM], "networkInterfaces": VPN_GATEWAY["networkInterfaces"]},
        True,
        "standby-with-external-ip",
    )
    add("gcp-instance-no-default-service-account", VM, GOOD[VM], False, "own-account")
    add(
        "gcp-instance-no-default-service-account",
        VM,
        setting(VM, "serviceAccount.email", "123456789-compute@developer.gserviceaccount.com"),
        True,
        "default-account",
    )
    # Azure
    add("azure-custom-role-no-wildcard-actions", ROLE, GOOD[ROLE], False, "peer-action-only")
    add(
        "azure-custom-role-no-wildcard-actions",
        ROLE,
        setting(ROLE, "permissions", [{"actions": ["*"]}]),
        True,
        "owner-like",
    )
    add(
        "azure-custom-role-no-wildcard-actions",
        ROLE,
        setting(
            ROLE,
            "permissions",
            [{"actions": ["Microsoft.Network/virtualNetworks/peer/action", "Microsoft.Network/*"]}],
        ),
        True,
        "wildcard-not-first",
    )
    add(
        "azure-custom-role-no-wildcard-actions",
        ROLE,
        setting(
            ROLE,
            "permissions",
            [{"actions": ["Microsoft.Network/virtualNetworks/peer/action"]}, {"dataActions": ["*"]}],
        ),
        True,
        "second-permission-block",
    )
    add(
        "azure-custom-role-no-wildcard-actions",
        ROLE,
        setting(
            ROLE,
            "permissions",
            [{"actions": ["Microsoft.Network/virtualNetworks/peer/action"], "notActions": ["*"]}],
        ),
        False,
        "not-actions-may-use-wildcards",
    )
    add("azure-custom-role-no-wildcard-actions", ROLE_CLASSIC, GOOD[ROLE_CLASSIC], False, "classic-provider")
    add(
        "azure-custom-role-no-wildcard-actions",
        ROLE_CLASSIC,
        setting(ROLE_CLASSIC, "permissions.0.actions", ["a/read", "*"]),
        True,
        "classic-wildcard",
    )
    return c


CASES = _cases()
